use leanvibe_test::security_suite;

#[security_suite(vectors = [xss], mutations = "many")]
fn greet(name: &str) -> Result<String, String> {
    Ok(name.to_string())
}

#[security_suite(vectors = [xss], mutations = 4, mutations = 8)]
fn greet_twice(name: &str) -> Result<String, String> {
    Ok(name.to_string())
}

fn main() {}
