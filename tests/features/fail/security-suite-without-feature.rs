//! `#[security_suite]` needs the `security` feature; the function itself
//! stays, so nothing else in the file errors.

use leanvibe_test::prelude::*;

#[security_suite(vectors = [xss])]
fn render(payload: &str) -> Result<String, String> {
    Ok(payload.replace('<', "&lt;"))
}

#[plugin_test]
fn render_escapes() {
    assert_eq!(render("<b>").unwrap(), "&lt;b>");
}

leanvibe_test::main!();
