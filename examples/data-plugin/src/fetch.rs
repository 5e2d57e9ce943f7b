//! The `fetch` task: GET a JSON document from the configured HTTP API.
//!
//! The client is hyper's low-level HTTP/1 connection API on tokio
//! (`hyper::client::conn::http1` + `hyper-util`'s tokio I/O adapter), one
//! connection per request. Why that and not a full client:
//! - reqwest with rustls builds rustls, its crypto backend and webpki roots:
//!   the slowest part of a clean build on a 2-core CI machine, for TLS the
//!   loopback tests never use;
//! - ureq is blocking, so each call needs `spawn_blocking`, and a task
//!   cancelled by the harness's timeout would leave its thread running until
//!   ureq's own timeout, where dropping a hyper future closes the socket;
//! - hyper, hyper-util and http-body-util are what wiremock (our HTTP mock
//!   in tests) is built on, so the test build compiles them anyway.
//!
//! The cost is no TLS: `api_base_url` must be `http://`, checked when the
//! plugin initializes. A real deployment would add `hyper-rustls` behind a
//! feature.

use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::Bytes;
use hyper::header::{ACCEPT, HOST};
use hyper::{Request, Uri};
use hyper_util::rt::TokioIo;
use leanvibe_test::plugin::{ErrorCode, PluginError, Task};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::net::TcpStream;

/// The `fetch` client of one plugin instance.
#[derive(Debug, Clone)]
pub struct Api {
    /// `host[:port]`, no user info: the `Host` header and the URL's authority.
    authority: String,
    /// `host:port`, the port defaulting to 80: what to connect to.
    connect_to: String,
    /// The base URL's path without its trailing `/` (`""` for the root).
    base_path: String,
    timeout: Duration,
    max_body_bytes: usize,
}

/// Longest `path` a `fetch` task may give.
const MAX_PATH_BYTES: usize = 2048;
/// Longest segment of that path (the common file-name limit).
const MAX_SEGMENT_BYTES: usize = 255;

impl Api {
    /// Checks `base_url`: an `http://` URL with a host, no user info, no
    /// query or fragment. Otherwise `INVALID_PARAMETER`.
    ///
    /// ```
    /// use data_plugin::fetch::Api;
    /// use std::time::Duration;
    ///
    /// assert!(Api::new("http://127.0.0.1:8080/api", Duration::from_secs(1), 1024).is_ok());
    /// assert!(Api::new("https://example.com", Duration::from_secs(1), 1024).is_err());
    /// ```
    pub fn new(
        base_url: &str,
        timeout: Duration,
        max_body_bytes: usize,
    ) -> Result<Self, PluginError> {
        let bad = |why: &str| {
            PluginError::new(
                ErrorCode::InvalidParameter,
                format!("config parameter `api_base_url` {why}: {base_url:?}"),
            )
        };
        let uri: Uri = base_url.parse().map_err(|_| bad("is not a URL"))?;
        if uri.scheme_str() != Some("http") {
            return Err(bad("must start with http:// (this example has no TLS)"));
        }
        let authority = uri.authority().ok_or_else(|| bad("has no host"))?;
        if authority.as_str().contains('@') {
            return Err(bad("must not carry user info"));
        }
        if uri.query().is_some() || base_url.contains('#') {
            return Err(bad("must not have a query or fragment"));
        }
        let connect_to = format!(
            "{}:{}",
            authority.host(),
            authority.port_u16().unwrap_or(80)
        );
        Ok(Self {
            authority: authority.as_str().to_owned(),
            connect_to,
            base_path: uri.path().trim_end_matches('/').to_owned(),
            timeout,
            max_body_bytes,
        })
    }

    /// Runs one `fetch` task: GET `{api_base_url}{path}` and answer
    /// `{"status", "body"}` with the JSON body.
    ///
    /// `path` must start with a single `/` and contain no `..` segment,
    /// whitespace, control character or fragment (`INVALID_PARAMETER`), so a
    /// task cannot steer the request to another host. A status other than
    /// 2xx, a connection failure, a body that is not JSON or is larger than
    /// `max_response_bytes`: `EXTERNAL_SERVICE_ERROR`. No complete answer
    /// within `fetch_timeout_ms`: `TIMEOUT`.
    pub async fn handle(&self, task: &Task) -> Result<Value, PluginError> {
        let path = task.required_str("path")?;
        let uri = self.uri_for(path)?;
        let exchange = self.get(uri);
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(result) => result,
            Err(_) => Err(PluginError::new(
                ErrorCode::Timeout,
                format!(
                    "the API at {} did not answer GET {path} within {} ms",
                    self.authority,
                    self.timeout.as_millis()
                ),
            )),
        }
    }

    /// Longest `path` accepted: request lines beyond a few KiB are refused by
    /// most servers anyway (found by the security suite's `oversize`).
    fn uri_for(&self, path: &str) -> Result<Uri, PluginError> {
        let invalid =
            |why: &str| PluginError::new(ErrorCode::InvalidParameter, format!("`path` {why}"));
        // Sizes first, so an over-long path is refused as what it is.
        let too_large = |what: String| PluginError::new(ErrorCode::PayloadTooLarge, what);
        if path.len() > MAX_PATH_BYTES {
            return Err(too_large(format!(
                "`path` is {} bytes, over the {MAX_PATH_BYTES}-byte limit",
                path.len()
            )));
        }
        if let Some(segment) = path.split('/').find(|s| s.len() > MAX_SEGMENT_BYTES) {
            return Err(too_large(format!(
                "a `path` segment is {} bytes, over the {MAX_SEGMENT_BYTES}-byte limit",
                segment.len()
            )));
        }
        if !path.starts_with('/') || path.starts_with("//") {
            return Err(invalid("must start with a single `/`"));
        }
        if path
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '#' || c == '\\')
        {
            return Err(invalid(
                "must not contain whitespace, control characters, `#` or `\\`",
            ));
        }
        let path_only = path.split('?').next().unwrap_or_default();
        if path_only
            .split('/')
            .any(|segment| segment == ".." || segment == ".")
        {
            return Err(invalid("must not contain `.` or `..` segments"));
        }
        Uri::builder()
            .scheme("http")
            .authority(self.authority.as_str())
            .path_and_query(format!("{}{path}", self.base_path))
            .build()
            .map_err(|e| invalid(&format!("does not make a valid URL: {e}")))
    }

    async fn get(&self, uri: Uri) -> Result<Value, PluginError> {
        let path = uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
        let upstream = |what: String| PluginError::new(ErrorCode::ExternalServiceError, what);

        let stream = TcpStream::connect(&self.connect_to).await.map_err(|e| {
            upstream(format!(
                "could not connect to the API at {}: {e}",
                self.authority
            ))
        })?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| {
                upstream(format!(
                    "HTTP handshake with {} failed: {e}",
                    self.authority
                ))
            })?;
        // The connection future drives the socket; it ends with the exchange
        // and is aborted if the exchange is cancelled (timeout).
        let driver = AbortOnDrop(tokio::spawn(connection));

        let request = Request::get(uri)
            .header(HOST, self.authority.as_str())
            .header(ACCEPT, "application/json")
            .body(Empty::<Bytes>::new())
            .map_err(|e| {
                PluginError::new(
                    ErrorCode::Internal,
                    format!("could not build the request: {e}"),
                )
            })?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| upstream(format!("GET {path} on {} failed: {e}", self.authority)))?;
        let status = response.status();
        if !status.is_success() {
            return Err(upstream(format!(
                "the API at {} answered {status} to GET {path}",
                self.authority
            )));
        }
        let body = Limited::new(response.into_body(), self.max_body_bytes)
            .collect()
            .await
            .map_err(|e| {
                upstream(format!(
                    "reading the answer to GET {path} failed (limit {} bytes): {e}",
                    self.max_body_bytes
                ))
            })?
            .to_bytes();
        drop(driver);
        let body: Value = serde_json::from_slice(&body)
            .map_err(|e| upstream(format!("the answer to GET {path} is not JSON: {e}")))?;
        Ok(json!({ "status": status.as_u16(), "body": body }))
    }
}

struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(base: &str) -> Api {
        Api::new(base, Duration::from_secs(1), 1024).unwrap()
    }

    #[test]
    fn base_urls_are_checked() {
        for bad in [
            "ftp://host/",
            "https://host/",
            "http://user:pw@host/",
            "http://host/?q=1",
            "http://host/#x",
            "not a url",
            "/relative",
        ] {
            let err = Api::new(bad, Duration::from_secs(1), 1).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidParameter, "{bad}");
        }
        let api = api("http://127.0.0.1:9/api/v1/");
        assert_eq!(
            (api.authority.as_str(), api.base_path.as_str()),
            ("127.0.0.1:9", "/api/v1")
        );
    }

    #[test]
    fn paths_cannot_leave_the_base() {
        let api = api("http://127.0.0.1:9/api");
        assert_eq!(
            api.uri_for("/items?id=3").unwrap().to_string(),
            "http://127.0.0.1:9/api/items?id=3"
        );
        for bad in [
            "items",
            "//evil.example/x",
            "/../admin",
            "/a/./b",
            "/a b",
            "/a\r\nHost: evil",
            "/x#frag",
            "/\\evil",
            "@evil.example",
        ] {
            let err = api.uri_for(bad).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidParameter, "{bad}");
        }
    }
}
