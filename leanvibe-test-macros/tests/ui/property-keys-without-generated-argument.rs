use leanvibe_test::plugin_test;

#[plugin_test(cases = 64, max_shrink_iters = 10, seed = 7)]
fn not_a_property() {}

fn main() {}
