use leanvibe_test::{fixture, plugin_test};

struct Pool;

#[fixture(scope = "worker")]
fn pool() -> Pool {
    Pool
}

#[plugin_test]
fn uses_pool(pool: Pool) {
    let _ = pool;
}

fn main() {}
