use leanvibe_test::fixture;

struct Suite;

impl Suite {
    #[fixture]
    fn db(&self) -> u32 {
        1
    }
}

fn main() {}
