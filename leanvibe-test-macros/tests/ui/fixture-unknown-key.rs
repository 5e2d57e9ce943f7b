use leanvibe_test::fixture;

#[fixture(shared = true)]
fn db() -> u32 {
    1
}

fn main() {}
