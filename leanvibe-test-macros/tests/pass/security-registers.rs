//! `#[security_suite]` registers one test per vector, named
//! `<fn>::<vector>`, with kind `security` and the tags `security` and
//! `<vector>` after the attribute's own.

use leanvibe_test::plugin::TaskResult;
use leanvibe_test::__private::registry::{self, TestCase};
use leanvibe_test::security::Probe;
use leanvibe_test::security_suite;

#[security_suite(vectors = [xss, oversize], tags = ["web"], timeout_ms = 9000, max_mb = 4)]
fn render(payload: &str) -> Result<String, String> {
    Ok(payload.replace('<', "&lt;"))
}

/// Without `vectors`: every vector that applies to `&Probe`.
#[security_suite(crate = "::leanvibe_test")]
async fn handle(probe: &Probe) -> TaskResult {
    TaskResult::success(probe.payload().len())
}

/// Without `vectors`: `&str` excludes those that need the probe.
#[security_suite]
fn echo(payload: &str) -> Result<usize, String> {
    Ok(payload.len())
}

fn cases(function: &str) -> Vec<&'static TestCase> {
    let prefix = format!("{function}::");
    registry::all()
        .filter(|case| case.name.starts_with(&prefix))
        .collect()
}

/// Items local to a block (as in a doctest's `main`) work too.
fn local_items() {
    #[security_suite(vectors = [log_injection])]
    fn local(payload: &str) -> Result<String, String> {
        Ok(payload.escape_debug().to_string())
    }
    assert_eq!(local("a").as_deref(), Ok("a"));
}

fn main() {
    local_items();
    assert_eq!(cases("local").len(), 1);
    let render_cases = cases("render");
    let mut names: Vec<String> = render_cases.iter().map(|c| c.full_name()).collect();
    names.sort();
    assert_eq!(names, ["render::oversize", "render::xss"]);
    for case in &render_cases {
        assert_eq!(case.attrs.kind, "security");
        let vector = case.name.strip_prefix("render::").unwrap();
        assert_eq!(case.attrs.tags, ["web", "security", vector]);
        assert_eq!(case.attrs.timeout_ms, Some(9000));
        // The suite judges heap per payload; the harness budget stays unset.
        assert_eq!(case.attrs.budget.max_heap_bytes, None);
    }
    assert_eq!(cases("handle").len(), 14);
    let echo_cases = cases("echo");
    assert_eq!(echo_cases.len(), 11);
    for needs_probe in ["echo::path_traversal", "echo::secrets", "echo::auth_bypass"] {
        assert!(echo_cases.iter().all(|c| c.name != needs_probe));
    }
    // The function itself is still there.
    assert_eq!(render("<b>"), Ok("&lt;b>".to_string()));
}
