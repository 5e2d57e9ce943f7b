use leanvibe_test::fixture;

// Every mistake is reported at once.
#[fixture(scope = "global", scope = "worker")]
unsafe fn db<'a>(ref x: u32) -> &'a u32 {
    let _ = x;
    &1
}

fn main() {}
