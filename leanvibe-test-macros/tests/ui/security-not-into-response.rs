use leanvibe_test::security_suite;

#[security_suite(vectors = [xss])]
fn returns_number(payload: &str) -> usize {
    payload.len()
}

#[security_suite(vectors = [xss])]
async fn returns_nothing(payload: &str) {
    let _ = payload;
}

fn main() {}
