use leanvibe_test::security_suite;

#[security_suite]
fn no_parameter() -> Result<String, String> {
    Ok(String::new())
}

#[security_suite]
fn owned(payload: String) -> Result<String, String> {
    Ok(payload)
}

#[security_suite]
fn two(payload: &str, extra: &str) -> Result<String, String> {
    Ok(format!("{payload}{extra}"))
}

fn main() {}
