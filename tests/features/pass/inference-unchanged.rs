//! bytes' own test `split_off_to_loop`, reduced: with `serde_json` in the
//! crate graph, `&s[..] == &sum[..]` has two candidate `PartialEq` impls
//! for `u8` and stops compiling (E0283). A harness must not do that to the
//! code it tests.

use leanvibe_test::prelude::*;

#[plugin_test]
fn split_off_to_loop() {
    let s = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    for i in 0..(s.len() + 1) {
        let mut sum = Vec::new();
        sum.extend(s[..i].iter());
        sum.extend(s[i..].iter());
        assert_eq!(&s[..], &sum[..]);
    }
}

leanvibe_test::main!();
