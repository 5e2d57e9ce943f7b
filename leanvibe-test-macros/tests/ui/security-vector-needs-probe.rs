use leanvibe_test::security_suite;

#[security_suite(vectors = [path_traversal, secrets, auth_bypass])]
fn read(payload: &str) -> Result<String, String> {
    Ok(payload.to_string())
}

fn main() {}
