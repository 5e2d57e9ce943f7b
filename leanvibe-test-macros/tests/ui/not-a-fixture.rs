use leanvibe_test::plugin_test;

// A plain function, not marked `#[fixture]`.
fn db() -> u32 {
    1
}

#[plugin_test]
fn uses_db(db: u32) {
    let _ = db;
}

fn main() {
    let _ = db();
}
