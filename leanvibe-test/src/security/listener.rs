//! The loopback HTTP listener of the `ssrf` (and `xxe`) oracle: it counts
//! every connection and answers each with a small canary body. It listens on
//! 127.0.0.1 (and on ::1 at the same port when the host has IPv6), never on
//! an outside interface.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// A running listener; stopped when dropped.
#[derive(Debug)]
pub(crate) struct Listener {
    port: u16,
    hits: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    addrs: Vec<SocketAddr>,
    threads: Vec<JoinHandle<()>>,
}

impl Listener {
    /// Binds 127.0.0.1 on a free port, and ::1 on the same port if it can.
    pub(crate) fn start(body: String) -> std::io::Result<Listener> {
        let v4 = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let port = v4.local_addr()?.port();
        let mut sockets = vec![v4];
        // IPv6 is optional: a host without it still tests every IPv4 form.
        if let Ok(v6) = TcpListener::bind((Ipv6Addr::LOCALHOST, port)) {
            sockets.push(v6);
        }
        let hits = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let body: Arc<str> = body.into();
        let mut addrs = Vec::new();
        let mut threads = Vec::new();
        for socket in sockets {
            addrs.push(socket.local_addr()?);
            let (hits, stop, body) = (hits.clone(), stop.clone(), body.clone());
            threads.push(std::thread::spawn(move || {
                serve(socket, &hits, &stop, &body)
            }));
        }
        Ok(Listener {
            port,
            hits,
            stop,
            addrs,
            threads,
        })
    }

    /// The port both addresses listen on.
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// Connections accepted so far.
    pub(crate) fn hits(&self) -> u64 {
        self.hits.load(Ordering::SeqCst)
    }
}

fn serve(socket: TcpListener, hits: &AtomicU64, stop: &AtomicBool, body: &str) {
    for stream in socket.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        hits.fetch_add(1, Ordering::SeqCst);
        answer(stream, body);
    }
}

/// Reads what the client sent (briefly) and answers 200 with `body`.
fn answer(mut stream: TcpStream, body: &str) {
    let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
    let mut buffer = [0u8; 4096];
    let _ = stream.read(&mut buffer);
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes());
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake each accept loop so it sees the flag; the connection is not
        // counted because the flag is checked first.
        for addr in &self.addrs {
            let _ = TcpStream::connect_timeout(addr, Duration::from_millis(200));
        }
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_hits_and_answers() {
        let listener = Listener::start("canary".into()).unwrap();
        let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, listener.port())).unwrap();
        stream.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        assert!(response.ends_with("canary"), "{response}");
        assert_eq!(listener.hits(), 1);
        drop(listener);
    }
}
