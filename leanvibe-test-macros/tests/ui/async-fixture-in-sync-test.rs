use leanvibe_test::{fixture, plugin_test};

struct Client;

#[fixture]
async fn client() -> Client {
    Client
}

#[plugin_test]
fn uses_client(client: Client) {
    let _ = client;
}

fn main() {}
