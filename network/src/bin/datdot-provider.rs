//! `datdot-provider`: hosts, encodes and attests for one DatDot account.

use clap::Parser;
use datdot_network::{
	chain::Chain,
	identity::Identity,
	provider::{Config, Provider},
	store::Store,
};
use datdot_primitives::Role;
use std::{net::SocketAddr, path::PathBuf, time::Duration};

/// Serves the roles of one DatDot account: stores and proves hosted copies, encodes copies for
/// hosters, checks setups and measures hosters as an attestor.
#[derive(Debug, Parser)]
#[command(name = "datdot-provider", version)]
struct Args {
	/// The node's WebSocket RPC.
	#[arg(long, default_value = "ws://127.0.0.1:9944")]
	node: String,
	/// The account's secret URI (a dev name like //Alice, or a mnemonic with a path).
	#[arg(long, env = "DATDOT_SURI")]
	suri: String,
	/// Where copies are stored.
	#[arg(long)]
	data: PathBuf,
	/// The address to serve peers on.
	#[arg(long, default_value = "127.0.0.1:4001")]
	listen: SocketAddr,
	/// The endpoint published in the account's profile (default: http://<listen>).
	#[arg(long)]
	endpoint: Option<String>,
	/// The roles to serve: hoster, encoder, attestor (comma-separated).
	#[arg(long, value_delimiter = ',', default_value = "hoster,encoder,attestor")]
	roles: Vec<String>,
	/// The account's location (geohash).
	#[arg(long, default_value = "u33dc")]
	location: String,
	/// The regions served (geohash prefixes); by default the location.
	#[arg(long, value_delimiter = ',')]
	regions: Vec<String>,
	/// Storage offered, in bytes.
	#[arg(long, default_value_t = 10_000_000_000)]
	storage: u64,
	/// Bandwidth offered, in kB/s.
	#[arg(long, default_value_t = 100_000)]
	bandwidth_kbps: u32,
	/// Jobs taken at once, per role (the runtime allows up to 32).
	#[arg(long, default_value_t = 32)]
	capacity: u32,
}

fn role(name: &str) -> Result<Role, String> {
	match name.trim() {
		"hoster" => Ok(Role::Hoster),
		"encoder" => Ok(Role::Encoder),
		"attestor" => Ok(Role::Attestor),
		other => Err(format!("unknown role {other:?}: use hoster, encoder or attestor")),
	}
}

#[tokio::main]
async fn main() {
	tracing_subscriber::fmt()
		.with_env_filter(
			tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
		)
		.init();
	if let Err(e) = run(Args::parse()).await {
		eprintln!("datdot-provider: {e}");
		std::process::exit(1);
	}
}

async fn run(args: Args) -> Result<(), String> {
	let roles = args.roles.iter().map(|r| role(r)).collect::<Result<Vec<_>, _>>()?;
	let endpoint = args.endpoint.clone().unwrap_or_else(|| format!("http://{}", args.listen));
	let config = Config {
		roles,
		location: args.location.clone(),
		regions: args.regions.clone(),
		storage: args.storage,
		bandwidth_kbps: args.bandwidth_kbps,
		capacity: args.capacity,
		endpoint,
	};
	// The node may still be starting: try for a minute, then say what is wrong. Once serving,
	// the provider connects again by itself whenever the connection ends (`Provider::run`).
	let chain = connect(&args.node, 60).await?;
	let store = Store::open(&args.data).map_err(|e| format!("opening the store: {e}"))?;
	let listener = tokio::net::TcpListener::bind(args.listen)
		.await
		.map_err(|e| format!("listening on {}: {e}", args.listen))?;
	let me = Identity::from_uri(&args.suri, chain.genesis()).map_err(|e| e.to_string())?;
	let provider = Provider::new(me, chain, store, config);
	tracing::info!("provider {} serving on {}", provider.account(), args.listen);
	provider.register().await.map_err(|e| format!("registering: {e}"))?;
	provider.run(listener).await.map_err(|e| e.to_string())
}

/// Connects to the node, trying once a second up to `tries` times.
async fn connect(node: &str, tries: u32) -> Result<Chain, String> {
	let mut tried = 0;
	loop {
		match Chain::connect(node).await {
			Ok(chain) => return Ok(chain),
			Err(e) if tried < tries => {
				tried += 1;
				tracing::info!("waiting for the node at {node}: {e}");
				tokio::time::sleep(Duration::from_secs(1)).await;
			}
			Err(e) => return Err(format!("connecting to {node}: {e}")),
		}
	}
}
