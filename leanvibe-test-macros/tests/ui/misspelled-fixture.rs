use leanvibe_test::{fixture, plugin_test};

#[fixture]
fn database() -> u32 {
    7
}

// A typo in the parameter: the error should point at the fixture meant.
#[plugin_test]
fn uses_database(databse: u32) {
    let _ = databse;
}

fn main() {}
