//! Async fixtures: a per-test one runs on the test's runtime and is dropped
//! there; a worker-scope one runs on the worker's own runtime, once per
//! process, and tasks it spawns outlive the test that built it. Sync
//! fixtures work in async tests too.

use leanvibe_test::__private::SetupFailure;
use leanvibe_test::__private::registry::{self, TestCase};
use leanvibe_test::tokio::{self, runtime::Handle, sync::mpsc};
use leanvibe_test::{fixture, plugin_test};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

static CLIENTS_BUILT: AtomicUsize = AtomicUsize::new(0);
static CLIENTS_DROPPED: AtomicUsize = AtomicUsize::new(0);
static SERVERS_BUILT: AtomicUsize = AtomicUsize::new(0);

struct Client {
    runtime: tokio::runtime::Id,
}

impl Drop for Client {
    fn drop(&mut self) {
        // Dropped on the test's runtime, which is still running.
        assert_eq!(Handle::current().id(), self.runtime);
        CLIENTS_DROPPED.fetch_add(1, SeqCst);
    }
}

#[fixture]
async fn client() -> Client {
    tokio::task::yield_now().await;
    CLIENTS_BUILT.fetch_add(1, SeqCst);
    Client {
        runtime: Handle::current().id(),
    }
}

/// A server task on the worker runtime, answering `n` with `n + 1`.
struct Server {
    requests: mpsc::UnboundedSender<(u32, tokio::sync::oneshot::Sender<u32>)>,
}

impl Server {
    async fn ask(&self, n: u32) -> u32 {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.requests.send((n, reply)).expect("server running");
        answer.await.expect("server answers")
    }
}

#[fixture(scope = "worker")]
async fn server() -> Server {
    SERVERS_BUILT.fetch_add(1, SeqCst);
    let (requests, mut incoming) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some((n, reply)) = incoming.recv().await {
            let _ = tokio::sync::oneshot::Sender::send(reply, n + 1);
        }
    });
    Server { requests }
}

#[fixture]
fn label() -> String {
    "sync in async".to_string()
}

#[fixture]
async fn failing() -> Result<u8, String> {
    Err("handshake refused".into())
}

#[plugin_test]
async fn uses_client(client: Client, label: String) {
    assert_eq!(Handle::current().id(), client.runtime);
    assert_eq!(label, "sync in async");
}

#[plugin_test(flavor = "multi_thread", worker_threads = 2)]
async fn panics_with_client(client: Client) {
    let _ = client;
    panic!("async body fails");
}

#[plugin_test]
async fn asks_server(server: &Server) {
    assert_eq!(server.ask(1).await, 2);
}

#[plugin_test]
fn asks_server_from_sync_test(server: &Server) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_eq!(runtime.block_on(server.ask(41)), 42);
}

#[plugin_test]
async fn uses_failing(client: Client, failing: u8) {
    let _ = (client, failing);
    unreachable!("the body does not run when a fixture fails");
}

fn case(name: &str) -> &'static TestCase {
    registry::all()
        .find(|case| case.name == name)
        .unwrap_or_else(|| panic!("`{name}` is not registered"))
}

fn expect_unwind(body: fn() -> Result<(), String>) -> Box<dyn std::any::Any + Send> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(body);
    std::panic::set_hook(hook);
    result.expect_err("the body unwinds")
}

fn main() {
    let counts = || (CLIENTS_BUILT.load(SeqCst), CLIENTS_DROPPED.load(SeqCst));
    assert_eq!((case("uses_client").body)(), Ok(()));
    assert_eq!(counts(), (1, 1));

    let payload = expect_unwind(case("panics_with_client").body);
    assert!(!payload.is::<SetupFailure>());
    assert_eq!(counts(), (2, 2));

    // The server outlives the runtime of the test that built it.
    assert_eq!((case("asks_server").body)(), Ok(()));
    assert_eq!((case("asks_server").body)(), Ok(()));
    assert_eq!((case("asks_server_from_sync_test").body)(), Ok(()));
    assert_eq!(SERVERS_BUILT.load(SeqCst), 1);

    let payload = expect_unwind(case("uses_failing").body);
    let message = payload.downcast::<SetupFailure>().expect("setup error").message;
    assert_eq!(message, "fixture `failing` failed: \"handshake refused\"");
    assert_eq!(counts(), (3, 3));
}
