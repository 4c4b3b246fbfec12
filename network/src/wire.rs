//! How providers and sponsors talk: HTTP/2 (cleartext, prior knowledge) with `hyper`, bodies in
//! SCALE. A peer is reached at the endpoint of its account's profile, written either as a URL
//! (`http://127.0.0.1:4001`) or as a multiaddress (`/ip4/127.0.0.1/tcp/4001`).
//!
//! | request | served by | body → reply |
//! | --- | --- | --- |
//! | `GET /feed/<key>/<index>?length=<n>` | sponsor, hoster, Hypercore source | → `BlockProof` at length `n` |
//! | `GET /feed/<key>/tree` | sponsor, Hypercore source | → `(FeedKey, SignedTree)` |
//! | `PUT /copy/<contract>/<index>` | hoster | `StoredChunk` (encoded block, nodes) → `()` |
//! | `GET /copy/<contract>/<index>` | hoster | → `ChunkProof` (encoded block, path, nodes) |
//! | `GET /copy/<contract>/confirmation` | hoster | → `CopyConfirmation` once sealed |
//! | `POST /contact` | hoster | `ContactRequest` → the contact signature (64 bytes) |
//! | `GET /bandwidth/<bytes>` | hoster | → that many bytes |
//! | `GET /ping` | everyone | → the account id (a provider), `()` (a sponsor, a source) |
//!
//! Errors come back as a status (404 not here, 400 refused, 503 not yet) with a text body.

use bytes::Bytes;
use codec::{Decode, Encode};
use datdot_primitives::{BenchmarkId, ContractId};
use http_body_util::{BodyExt, Full, Limited};
use hyper::{body::Incoming, Method, StatusCode};
use hyper_util::{
	client::legacy::{connect::HttpConnector, Client},
	rt::{TokioExecutor, TokioIo},
};
use sp_core::crypto::AccountId32;
use std::{future::Future, sync::Arc, time::Duration};
use tokio::net::TcpListener;

/// The largest body a peer accepts: a 64 KiB block with its proof fits many times over, and
/// bandwidth probes stay below it.
pub const MAX_BODY: usize = 16 * 1024 * 1024;

/// How long one request may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// What an attestor sends a hoster it measures, to get its proof of contact.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct ContactRequest {
	/// The benchmark.
	pub benchmark: BenchmarkId,
	/// Its contract.
	pub contract: ContractId,
	/// The attestor measuring.
	pub attestor: AccountId32,
}

/// Why a request to a peer failed.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
	/// The endpoint is not a URL or multiaddress this transport reaches.
	#[error("unusable endpoint {0:?} (expected http://host:port or /ip4/<ip>/tcp/<port>)")]
	BadEndpoint(String),
	/// The connection or the exchange failed.
	#[error("{url}: {message}")]
	Transport {
		/// The URL requested.
		url: String,
		/// What failed.
		message: String,
	},
	/// The peer answered with an error status.
	#[error("{url}: {status} {message}")]
	Status {
		/// The URL requested.
		url: String,
		/// The status.
		status: StatusCode,
		/// The peer's explanation.
		message: String,
	},
	/// The reply does not decode.
	#[error("{url}: malformed reply: {message}")]
	Malformed {
		/// The URL requested.
		url: String,
		/// The decoding error.
		message: String,
	},
}

impl WireError {
	/// Whether the peer said it does not have what was asked (404).
	pub fn is_not_found(&self) -> bool {
		matches!(self, Self::Status { status, .. } if *status == StatusCode::NOT_FOUND)
	}

	/// Whether the peer said to ask again later (503).
	pub fn is_not_yet(&self) -> bool {
		matches!(self, Self::Status { status, .. } if *status == StatusCode::SERVICE_UNAVAILABLE)
	}
}

/// The base URL of an endpoint as profiles hold it.
pub fn base_url(endpoint: &[u8]) -> Result<String, WireError> {
	let text = std::str::from_utf8(endpoint)
		.map_err(|_| WireError::BadEndpoint(String::from_utf8_lossy(endpoint).into_owned()))?;
	let bad = || WireError::BadEndpoint(text.to_string());
	if let Some(rest) = text.strip_prefix("http://") {
		let host = rest.trim_end_matches('/');
		if host.is_empty() || host.contains('/') {
			return Err(bad());
		}
		return Ok(format!("http://{host}"));
	}
	let parts: Vec<&str> = text.split('/').collect();
	match parts.as_slice() {
		["", "ip4", ip, "tcp", port] => {
			let ip: std::net::Ipv4Addr = ip.parse().map_err(|_| bad())?;
			let port: u16 = port.parse().map_err(|_| bad())?;
			Ok(format!("http://{ip}:{port}"))
		}
		["", "ip6", ip, "tcp", port] => {
			let ip: std::net::Ipv6Addr = ip.parse().map_err(|_| bad())?;
			let port: u16 = port.parse().map_err(|_| bad())?;
			Ok(format!("http://[{ip}]:{port}"))
		}
		["", "dns4" | "dns6" | "dns", host, "tcp", port] if !host.is_empty() => {
			let port: u16 = port.parse().map_err(|_| bad())?;
			Ok(format!("http://{host}:{port}"))
		}
		_ => Err(bad()),
	}
}

/// A client for every peer: one HTTP/2 connection per peer, requests multiplexed on it.
#[derive(Clone)]
pub struct Peers {
	client: Client<HttpConnector, Full<Bytes>>,
}

impl Default for Peers {
	fn default() -> Self {
		let mut connector = HttpConnector::new();
		connector.set_nodelay(true);
		connector.set_connect_timeout(Some(Duration::from_secs(10)));
		let client = Client::builder(TokioExecutor::new())
			.http2_only(true)
			.http2_adaptive_window(true)
			.build(connector);
		Self { client }
	}
}

impl Peers {
	/// Sends `method path` with `body` to the peer at `base` (from [`base_url`]); returns the
	/// reply's body if the status is a success.
	pub async fn request(
		&self,
		method: Method,
		base: &str,
		path: &str,
		body: Vec<u8>,
	) -> Result<Bytes, WireError> {
		let url = format!("{base}{path}");
		let transport = |message: String| WireError::Transport { url: url.clone(), message };
		let request = hyper::Request::builder()
			.method(method)
			.uri(&url)
			.header("content-type", "application/octet-stream")
			.body(Full::new(Bytes::from(body)))
			.map_err(|e| transport(e.to_string()))?;
		let exchange = async {
			let response =
				self.client.request(request).await.map_err(|e| transport(e.to_string()))?;
			let status = response.status();
			let body = Limited::new(response.into_body(), MAX_BODY)
				.collect()
				.await
				.map_err(|e| transport(e.to_string()))?
				.to_bytes();
			Ok::<_, WireError>((status, body))
		};
		let (status, body) = tokio::time::timeout(REQUEST_TIMEOUT, exchange)
			.await
			.map_err(|_| transport("timed out".into()))??;
		if !status.is_success() {
			let message = String::from_utf8_lossy(&body).into_owned();
			return Err(WireError::Status { url, status, message });
		}
		Ok(body)
	}

	/// `GET path`, decoded.
	pub async fn get<T: Decode>(&self, base: &str, path: &str) -> Result<T, WireError> {
		let body = self.request(Method::GET, base, path, Vec::new()).await?;
		decode(base, path, &body)
	}

	/// `method path` with `body` encoded, the reply decoded.
	pub async fn send<B: Encode, T: Decode>(
		&self,
		method: Method,
		base: &str,
		path: &str,
		body: &B,
	) -> Result<T, WireError> {
		let reply = self.request(method, base, path, body.encode()).await?;
		decode(base, path, &reply)
	}
}

fn decode<T: Decode>(base: &str, path: &str, body: &[u8]) -> Result<T, WireError> {
	T::decode(&mut &body[..])
		.map_err(|e| WireError::Malformed { url: format!("{base}{path}"), message: e.to_string() })
}

/// A request as a [`Handler`] sees it.
pub struct Request {
	/// The method.
	pub method: Method,
	/// The path's segments (`/copy/3/7` → `["copy", "3", "7"]`).
	pub segments: Vec<String>,
	/// The query string, if any.
	pub query: Option<String>,
	/// The body.
	pub body: Bytes,
}

impl Request {
	/// The value of `name` in the query string.
	pub fn query_param(&self, name: &str) -> Option<&str> {
		self.query.as_deref()?.split('&').find_map(|pair| {
			let (key, value) = pair.split_once('=')?;
			(key == name).then_some(value)
		})
	}
}

/// A handler's reply.
pub enum Reply {
	/// 200 with a body.
	Ok(Vec<u8>),
	/// 404: not here.
	NotFound(String),
	/// 400: refused.
	Refused(String),
	/// 503: not yet; ask again.
	NotYet(String),
}

impl Reply {
	/// 200 with `value` encoded.
	pub fn encoded<T: Encode>(value: &T) -> Self {
		Self::Ok(value.encode())
	}
}

/// What a server does with its requests.
pub trait Handler: Send + Sync + 'static {
	/// The reply to `request`.
	fn handle(&self, request: Request) -> impl Future<Output = Reply> + Send;
}

/// Serves `handler` on `listener` until the task is dropped: HTTP/1.1 and HTTP/2 alike.
pub async fn serve<H: Handler>(listener: TcpListener, handler: Arc<H>) {
	loop {
		let (stream, _) = match listener.accept().await {
			Ok(accepted) => accepted,
			Err(e) => {
				tracing::warn!("accepting a connection: {e}");
				tokio::time::sleep(Duration::from_millis(100)).await;
				continue;
			}
		};
		let _ = stream.set_nodelay(true);
		let handler = handler.clone();
		tokio::spawn(async move {
			let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
				let handler = handler.clone();
				async move { Ok::<_, std::convert::Infallible>(respond(&*handler, request).await) }
			});
			let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
			builder.http2().adaptive_window(true);
			if let Err(e) = builder.serve_connection(TokioIo::new(stream), service).await {
				tracing::debug!("connection ended: {e}");
			}
		});
	}
}

async fn respond<H: Handler>(
	handler: &H,
	request: hyper::Request<Incoming>,
) -> hyper::Response<Full<Bytes>> {
	let (parts, body) = request.into_parts();
	let body = match Limited::new(body, MAX_BODY).collect().await {
		Ok(collected) => collected.to_bytes(),
		Err(e) => {
			return reply(StatusCode::BAD_REQUEST, format!("reading the body: {e}").into_bytes())
		}
	};
	let segments =
		parts.uri.path().split('/').filter(|s| !s.is_empty()).map(String::from).collect();
	let request = Request {
		method: parts.method,
		segments,
		query: parts.uri.query().map(String::from),
		body,
	};
	match handler.handle(request).await {
		Reply::Ok(body) => reply(StatusCode::OK, body),
		Reply::NotFound(text) => reply(StatusCode::NOT_FOUND, text.into_bytes()),
		Reply::Refused(text) => reply(StatusCode::BAD_REQUEST, text.into_bytes()),
		Reply::NotYet(text) => reply(StatusCode::SERVICE_UNAVAILABLE, text.into_bytes()),
	}
}

fn reply(status: StatusCode, body: Vec<u8>) -> hyper::Response<Full<Bytes>> {
	let mut response = hyper::Response::new(Full::new(Bytes::from(body)));
	*response.status_mut() = status;
	response
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn endpoints_become_urls() {
		assert_eq!(base_url(b"/ip4/127.0.0.1/tcp/4001").expect("ok"), "http://127.0.0.1:4001");
		assert_eq!(base_url(b"/ip6/::1/tcp/80").expect("ok"), "http://[::1]:80");
		assert_eq!(base_url(b"/dns4/example.org/tcp/9").expect("ok"), "http://example.org:9");
		assert_eq!(base_url(b"http://10.0.0.1:4000/").expect("ok"), "http://10.0.0.1:4000");
		for bad in
			[&b"/ip4/1.2.3/tcp/1"[..], b"/ip4/1.2.3.4/udp/1", b"ftp://x", b"http://a/b", b"\xff"]
		{
			assert!(matches!(base_url(bad), Err(WireError::BadEndpoint(_))), "{bad:?}");
		}
	}

	struct Echo;

	impl Handler for Echo {
		async fn handle(&self, request: Request) -> Reply {
			match (request.method.as_str(), request.segments.as_slice()) {
				("GET", [first, ..]) if first == "missing" => Reply::NotFound("nothing".into()),
				("GET", [first, ..]) if first == "later" => Reply::NotYet("soon".into()),
				("POST", [first]) if first == "echo" => {
					let n =
						request.query_param("n").and_then(|n| n.parse::<u32>().ok()).unwrap_or(0);
					match Vec::<u8>::decode(&mut &request.body[..]) {
						Ok(body) => Reply::encoded(&(n, body)),
						Err(e) => Reply::Refused(e.to_string()),
					}
				}
				_ => Reply::Refused("unknown".into()),
			}
		}
	}

	#[tokio::test]
	async fn requests_reach_the_handler_over_http2() {
		let listener = TcpListener::bind("127.0.0.1:0").await.expect("bound");
		let base = format!("http://{}", listener.local_addr().expect("an address"));
		let server = tokio::spawn(serve(listener, Arc::new(Echo)));
		let peers = Peers::default();
		let (n, body): (u32, Vec<u8>) = peers
			.send(Method::POST, &base, "/echo?x=1&n=7", &vec![1u8, 2, 3])
			.await
			.expect("echoed");
		assert_eq!((n, body), (7, vec![1, 2, 3]));
		let missing = peers.get::<()>(&base, "/missing").await.expect_err("404");
		assert!(missing.is_not_found());
		assert!(peers.get::<()>(&base, "/later").await.expect_err("503").is_not_yet());
		let refused = peers.get::<()>(&base, "/other").await.expect_err("400");
		assert!(matches!(refused, WireError::Status { status: StatusCode::BAD_REQUEST, .. }));
		server.abort();
	}
}
