use leanvibe_test::plugin_test;

// No `#[fixture] fn db` is in scope.
#[plugin_test]
fn uses_db(db: u32) {
    let _ = db;
}

fn main() {}
