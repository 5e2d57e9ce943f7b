use super::*;
use proptest::prelude::*;

fn module(text: &str) -> Rewrite {
    rewrite(text, Role::Module)
}

fn warning_lines(out: &Rewrite) -> Vec<usize> {
    out.warnings.iter().map(|w| w.line).collect()
}

#[test]
fn doc_example() {
    let out = rewrite(
        "#[test]\n#[should_panic] // keep\nfn a() {}\n",
        Role::Module,
    );
    assert_eq!(
        out.text,
        "#[leanvibe_test::plugin_test]\n#[should_panic] // keep\nfn a() {}\n"
    );
    assert_eq!(out.converted, [1]);
}

#[test]
fn test_becomes_plugin_test_and_nothing_else_changes() {
    let text = "use x::y; // #[test] here stays\n\n#[test] // why\n#[should_panic(expected = \"boom\")]\n#[ignore = \"slow\"]\nfn a() {\n    panic!(\"boom\");\n}\n";
    let out = module(text);
    assert_eq!(
        out.text,
        text.replacen("#[test] //", "#[leanvibe_test::plugin_test] //", 1)
    );
    assert_eq!(out.converted, [3]);
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
}

#[test]
fn only_the_path_is_replaced() {
    assert_eq!(
        module("# [ test ]\nfn a() {}").text,
        "# [ leanvibe_test::plugin_test ]\nfn a() {}"
    );
    assert_eq!(
        module("#[::core::prelude::v1::test] fn a() {}").text,
        "#[leanvibe_test::plugin_test] fn a() {}"
    );
}

#[test]
fn test_in_strings_comments_and_docs_is_untouched() {
    let text = r####"
/// #[test]
//! #[test]
/* #[test] /* #[test] */ #[test] */
const A: &str = "#[test]";
const B: &str = r#"" #[test] "#;
const C: &[u8] = b"#[test]";
const D: &[u8] = br##"#[test]"##;
const E: char = '#';
#[doc = "#[test]"]
fn f<'test>(x: &'test str) {}
"####;
    let out = module(text);
    assert_eq!(out.text, text);
    assert!(out.converted.is_empty());
}

#[test]
fn tokio_test_keeps_its_keys() {
    let out = module(
        "#[tokio::test]\nasync fn a() {}\n#[tokio::test(flavor = \"multi_thread\", worker_threads = 2)]\nasync fn b() {}\n#[::tokio::test(start_paused = true)]\nasync fn c() {}\n",
    );
    assert_eq!(
        out.text,
        "#[leanvibe_test::plugin_test]\nasync fn a() {}\n#[leanvibe_test::plugin_test(flavor = \"multi_thread\", worker_threads = 2)]\nasync fn b() {}\n#[leanvibe_test::plugin_test(start_paused = true)]\nasync fn c() {}\n"
    );
    assert_eq!(out.converted, [1, 3, 5]);
}

#[test]
fn tokio_test_with_other_keys_is_a_warning() {
    let text =
        "\n#[tokio::test(flavor = \"multi_thread\", crate = \"my_tokio\")]\nasync fn a() {}\n";
    let out = module(text);
    assert_eq!(out.text, text);
    assert_eq!(warning_lines(&out), [2]);
    assert!(
        out.warnings[0].message.contains("`crate`"),
        "{:?}",
        out.warnings
    );
}

#[test]
fn cfg_attr_test_is_converted_and_cfg_attr_ignore_kept() {
    let out = module(
        "#[cfg_attr(not(miri), test)]\n#[cfg_attr(miri, ignore = \"slow\")]\n#[cfg_attr(unix, tokio::test(flavor = \"multi_thread\"))]\nfn a() {}",
    );
    assert_eq!(
        out.text,
        "#[cfg_attr(not(miri), leanvibe_test::plugin_test)]\n#[cfg_attr(miri, ignore = \"slow\")]\n#[cfg_attr(unix, leanvibe_test::plugin_test(flavor = \"multi_thread\"))]\nfn a() {}"
    );
    assert_eq!(out.converted, [1, 3]);
}

#[test]
fn tests_written_by_macros_are_converted_in_the_macro_body() {
    let out = module(
        "macro_rules! case {\n    ($name:ident) => {\n        #[test]\n        fn $name() {}\n    };\n}\nproptest! {\n    #[test]\n    fn p(x in 0..3u8) {}\n}\n",
    );
    assert_eq!(out.converted, [3, 8]);
    assert!(!out.text.contains("#[test]"));
}

#[test]
fn other_frameworks_are_warnings_with_their_lines() {
    let text = "#[bench]\nfn b(x: &mut Bencher) {}\n#[rstest]\nfn r() {}\n#[test_case(1)]\nfn c(x: u8) {}\n#[async_std::test]\nasync fn d() {}\n#[cfg_attr(x, test_log::test)]\nfn e() {}\nquickcheck! { fn q(x: u8) -> bool { true } }\n";
    let out = module(text);
    assert_eq!(out.text, text);
    assert_eq!(warning_lines(&out), [1, 3, 5, 7, 9, 11]);
    assert!(out.warnings[0].message.contains("`#[bench]`"));
    assert!(out.warnings[1].message.contains("`#[rstest]`"));
    assert!(out.warnings[3].message.contains("`#[async_std::test]`"));
    assert!(out.warnings[5].message.contains("`quickcheck!`"));
}

#[test]
fn a_root_gets_main_once() {
    let out = rewrite("#[test]\nfn a() {}", Role::Root);
    assert_eq!(
        out.text,
        "#[leanvibe_test::plugin_test]\nfn a() {}\n\nleanvibe_test::main!();\n"
    );
    assert!(out.main_added);
    let again = rewrite(&out.text, Role::Root);
    assert_eq!(again.text, out.text);
    assert!(!again.main_added);
    assert!(!module("fn a() {}").main_added);
}

#[test]
fn crate_level_cfg_and_global_allocator_are_warnings() {
    let text = "#![allow(dead_code)]\n#![cfg(feature = \"std\")]\n\n#[global_allocator]\nstatic A: System = System;\nmod m {\n    #![cfg(unix)]\n}\n";
    assert_eq!(warning_lines(&rewrite(text, Role::Root)), [2, 4]);
    // In a module file the crate-level cfg is the module's own.
    assert_eq!(warning_lines(&module(text)), [4]);
}

/// A piece of source and what the converter must make of it.
#[derive(Clone, Debug)]
struct Piece {
    before: String,
    after: String,
    converts: usize,
}

fn piece(before: &str, after: &str, converts: usize) -> Piece {
    Piece {
        before: before.into(),
        after: after.into(),
        converts,
    }
}

/// Pieces of source: test attributes (converted), and text that holds
/// `#[test]` but is not one. Joined with spaces, each lexes on its own (as
/// in rustc, `"a"r#"…"#` would be a literal with suffix `r`, then code).
fn pieces() -> impl Strategy<Value = Piece> {
    let fixed = prop_oneof![
        Just(piece("#[test]", "#[leanvibe_test::plugin_test]", 1)),
        Just(piece("#[ test ]", "#[ leanvibe_test::plugin_test ]", 1)),
        Just(piece("#[tokio::test]", "#[leanvibe_test::plugin_test]", 1)),
        Just(piece(
            "#[tokio::test(flavor = \"multi_thread\", worker_threads = 2)]",
            "#[leanvibe_test::plugin_test(flavor = \"multi_thread\", worker_threads = 2)]",
            1
        )),
        Just(piece(
            "#[cfg_attr(not(miri), test)]",
            "#[cfg_attr(not(miri), leanvibe_test::plugin_test)]",
            1
        )),
        Just(piece("#[should_panic(expected = \"#[test]\")]", "", 0)),
        Just(piece("#[ignore]", "", 0)),
        Just(piece("#[cfg_attr(miri, ignore)]", "", 0)),
        Just(piece("// #[test]\n", "", 0)),
        Just(piece("/// #[test] doc\n", "", 0)),
        Just(piece("//! #[test]\n", "", 0)),
        Just(piece("/* #[test] /* #[test] */ */", "", 0)),
        Just(piece("\"#[test] \\\" #[test]\"", "", 0)),
        Just(piece("r#\"\" #[test] \"#", "", 0)),
        Just(piece("br##\"#[test]\"##", "", 0)),
        Just(piece("b\"#[test]\"", "", 0)),
        Just(piece("'#'", "", 0)),
        Just(piece("'\\''", "", 0)),
        Just(piece("'test ", "", 0)),
        Just(piece("#[path = \"a.rs\"]", "", 0)),
    ];
    // Plain code: no quote, comment, `#` or bracket that could join a piece.
    let code = "[a-z0-9_ \n(){};,.=:<>&-]{0,12}".prop_map(|text| piece(&text, "", 0));
    prop_oneof![3 => fixed, 1 => code].prop_map(|mut p| {
        if p.after.is_empty() && p.converts == 0 {
            p.after = p.before.clone();
        }
        p
    })
}

fn joined(parts: &[Piece], side: impl Fn(&Piece) -> &String) -> String {
    parts
        .iter()
        .map(side)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

proptest! {
    /// Over sources made of test attributes and look-alikes: exactly the
    /// attributes change, into their expected form, and every other byte
    /// (strings, comments, docs, other attributes, code) stays.
    #[test]
    fn converts_exactly_the_test_attributes(parts in proptest::collection::vec(pieces(), 0..24)) {
        let before = joined(&parts, |p| &p.before);
        let after = joined(&parts, |p| &p.after);
        let out = module(&before);
        prop_assert_eq!(&out.text, &after);
        prop_assert_eq!(out.converted.len(), parts.iter().map(|p| p.converts).sum::<usize>());
    }

    /// Rewriting converted text changes nothing, for module files and roots.
    #[test]
    fn rewriting_is_idempotent(parts in proptest::collection::vec(pieces(), 0..24)) {
        let before = joined(&parts, |p| &p.before);
        for role in [Role::Module, Role::Root] {
            let once = rewrite(&before, role);
            let twice = rewrite(&once.text, role);
            prop_assert_eq!(&twice.text, &once.text);
            prop_assert!(twice.converted.is_empty());
            prop_assert!(!twice.main_added);
        }
    }

    /// Arbitrary text never panics the converter, and what it does not
    /// convert it leaves byte for byte.
    #[test]
    fn arbitrary_text_is_left_alone_but_for_conversions(text in "\\PC{0,200}") {
        let out = module(&text);
        if out.converted.is_empty() {
            prop_assert_eq!(out.text, text);
        }
    }
}
