use leanvibe_test::plugin_test;

#[plugin_test]
const fn constant() {}

#[plugin_test]
unsafe fn not_safe() {}

#[plugin_test]
extern "C" fn foreign() {}

fn main() {}
