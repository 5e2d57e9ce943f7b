use leanvibe_test::security_suite;

#[security_suite(vectors = [], iterations = 10, timeout = 5, flavor = "multi_thread")]
#[should_panic]
fn render(payload: &str) -> Result<String, String> {
    Ok(payload.to_string())
}

#[security_suite(vectors = xss, vectors = [xss])]
struct NotAFunction;

fn main() {}
