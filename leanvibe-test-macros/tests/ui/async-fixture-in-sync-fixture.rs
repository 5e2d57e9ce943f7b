use leanvibe_test::fixture;

struct Client;

#[fixture]
async fn client() -> Client {
    Client
}

#[fixture]
fn session(client: Client) -> u32 {
    let _ = client;
    1
}

fn main() {}
