use leanvibe_test::plugin_test;

#[plugin_test]
fn wants_fixture(dir: std::path::PathBuf, port: u16) {
    let _ = (dir, port);
}

fn main() {}
