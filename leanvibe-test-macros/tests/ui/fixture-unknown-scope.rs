use leanvibe_test::fixture;

#[fixture(scope = "suite")]
fn db() -> u32 {
    1
}

fn main() {}
