use leanvibe_test::plugin_test;

// Every mistake is reported at once, each on its own tokens.
#[plugin_test(should_panic, iterations = 5, warmup = 1, cases = 0)]
fn misused(
    #[strategy] bare: u32,
    #[any(10)] with_args: u32,
    #[strategy(0u32..5)]
    #[any]
    both: u32,
    #[any] borrowed: &u32,
    #[strategy(0u32.., 1)] two: u32,
) {
    let _ = (bare, with_args, both, borrowed, two);
}

fn main() {}
