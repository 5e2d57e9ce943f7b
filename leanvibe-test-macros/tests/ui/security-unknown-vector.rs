use leanvibe_test::security_suite;

#[security_suite(vectors = [xss, sqli, xss])]
fn render(payload: &str) -> Result<String, String> {
    Ok(payload.to_string())
}

fn main() {}
