//! `datdot`: the sponsor's command line. Publishes files and directories for hosting, shows how
//! a plan is doing, and reads a plan's data back from its hosters.

use clap::{Parser, Subcommand};
use datdot_network::{
	archive,
	chain::Chain,
	feed::Feed,
	identity::Identity,
	provider::hex,
	sponsor::{self, FeedServer, PlanTerms},
	wire,
};
use datdot_primitives::PlanId;
use sp_core::{ed25519, Pair};
use std::{io::Write, net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

#[derive(Debug, Parser)]
#[command(name = "datdot", version, about = "Host data on the DatDot network")]
struct Args {
	/// The node's WebSocket RPC.
	#[arg(long, global = true, default_value = "ws://127.0.0.1:9944")]
	node: String,
	/// The sponsor's secret URI (a dev name like //Ferdie, or a mnemonic with a path).
	#[arg(long, global = true, env = "DATDOT_SURI", default_value = "//Ferdie")]
	suri: String,
	#[command(subcommand)]
	command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
	/// Turns a file or directory into a Hypercore feed (or takes an existing Hypercore by its
	/// key), subscribes a plan to host it and serves it until every hoster holds its copy.
	Publish {
		/// The file or directory, or an existing Hypercore's key (64 hex digits) with --from.
		source: String,
		/// Where the existing Hypercore is served (`node network/hypercore-source/serve.mjs`
		/// serves a core kept on this machine): its blocks are read and checked against the
		/// feed's signed tree before the plan is subscribed.
		#[arg(long, value_name = "URL")]
		from: Option<String>,
		/// Regions to host in (geohash prefixes, comma-separated).
		#[arg(long, value_delimiter = ',', default_value = "u3")]
		regions: Vec<String>,
		/// Hosters per contract.
		#[arg(long, default_value_t = 3)]
		hosters: u8,
		/// How many blocks the plan lasts (by default until unsubscribed).
		#[arg(long)]
		duration: Option<u32>,
		/// The highest latency hosters may show, in ms.
		#[arg(long, default_value_t = 1000)]
		max_latency_ms: u32,
		/// The lowest bandwidth hosters must show, in kB/s.
		#[arg(long, default_value_t = 0)]
		min_bandwidth_kbps: u32,
		/// Where to serve the feed to encoders.
		#[arg(long, default_value = "127.0.0.1:4100")]
		listen: SocketAddr,
		/// The endpoint published in the sponsor's profile (default: http://<listen>).
		#[arg(long)]
		endpoint: Option<String>,
		/// The sponsor's location (geohash).
		#[arg(long, default_value = "u33dc")]
		location: String,
		/// Give up waiting for the hosters after this many seconds.
		#[arg(long, default_value_t = 1800)]
		timeout: u64,
	},
	/// Shows a plan's contracts, hosters, proofs and ratings.
	Status {
		/// The plan.
		plan: PlanId,
		/// Keep showing the setup's progress until every contract is active.
		#[arg(long)]
		wait: bool,
	},
	/// Reads a plan's data from its hosters, checks it against the feed's signed tree and
	/// writes the file or directory at `out`.
	Get {
		/// The plan.
		plan: PlanId,
		/// Where to write it.
		out: PathBuf,
		/// Write the feed's bytes as one file, for a feed that `datdot publish` did not make
		/// from files (an existing Hypercore).
		#[arg(long)]
		raw: bool,
	},
}

#[tokio::main]
async fn main() {
	tracing_subscriber::fmt()
		.with_writer(std::io::stderr)
		.with_env_filter(
			tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
		)
		.init();
	let args = Args::parse();
	if let Err(e) = run(args).await {
		eprintln!("datdot: {e}");
		std::process::exit(1);
	}
}

async fn connect(node: &str) -> Result<Chain, String> {
	Chain::connect(node).await.map_err(|e| {
		format!("cannot reach the node at {node}: {e}\n  start one with ./scripts/dev.sh, or pass --node")
	})
}

async fn run(args: Args) -> Result<(), String> {
	match args.command {
		Command::Publish {
			source,
			from,
			regions,
			hosters,
			duration,
			max_latency_ms,
			min_bandwidth_kbps,
			listen,
			endpoint,
			location,
			timeout,
		} => {
			let feed = Arc::new(load_feed(&source, from.as_deref()).await?);
			let key = feed.key().key;
			println!(
				"feed      {} ({} blocks, {} bytes)",
				hex(&key),
				feed.length(),
				feed.byte_length()
			);
			let chain = connect(&args.node).await?;
			let me = Identity::from_uri(&args.suri, chain.genesis()).map_err(|e| e.to_string())?;
			let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| {
				format!("cannot serve on {listen}: {e}\n  pick another address with --listen")
			})?;
			let endpoint = endpoint.unwrap_or_else(|| format!("http://{listen}"));
			sponsor::ensure_account(&chain, &me, &location, &endpoint)
				.await
				.map_err(|e| e.to_string())?;
			let server = tokio::spawn(wire::serve(listener, FeedServer::new(feed.clone())));
			let terms =
				PlanTerms { regions, hosters, duration, max_latency_ms, min_bandwidth_kbps };
			let plan = sponsor::subscribe(&chain, &me, &feed, &terms).await.map_err(|e| {
				format!("{e}\n  `datdot status` shows your plans' state; the chain's error names the problem")
			})?;
			println!("plan      {plan}");
			let result = wait_active(&chain, plan, Duration::from_secs(timeout)).await;
			server.abort();
			result?;
			println!("hosted    every copy is stored and proven; `datdot get {plan} <out>` reads it back");
			Ok(())
		}
		Command::Status { plan, wait } => {
			let chain = connect(&args.node).await?;
			if wait {
				wait_active(&chain, plan, Duration::from_secs(3600)).await?;
			}
			print_status(&chain, plan).await
		}
		Command::Get { plan, out, raw } => {
			let chain = connect(&args.node).await?;
			let started = std::time::Instant::now();
			let data = sponsor::retrieve(&chain, plan).await.map_err(|e| e.to_string())?;
			if raw {
				std::fs::write(&out, &data).map_err(|e| format!("{}: {e}", out.display()))?;
				println!(
					"wrote     {} ({} bytes, checked against the feed's signed tree) in {:.1?}",
					out.display(),
					data.len(),
					started.elapsed()
				);
				return Ok(());
			}
			let manifest = archive::unpack(&data, &out).map_err(|e| match e {
				archive::ArchiveError::BadManifest(_)
				| archive::ArchiveError::WrongSize { .. }
				| archive::ArchiveError::UnsafePath(_) => format!(
					"{e}\n  the feed was not published from files: `datdot get {plan} <out> --raw` writes its bytes"
				),
				e => e.to_string(),
			})?;
			println!(
				"wrote     {} ({} entries, {} bytes, checked against the feed's signed tree) in {:.1?}",
				out.display(),
				manifest.entries.len(),
				manifest.entries.iter().map(|e| e.size).sum::<u64>(),
				started.elapsed()
			);
			Ok(())
		}
	}
}

/// The feed `publish` is asked for: an existing Hypercore read from `from`, or the file or
/// directory at `source` made into a new feed.
async fn load_feed(source: &str, from: Option<&str>) -> Result<Feed, String> {
	let key = sponsor::parse_feed_key(source);
	match (from, key) {
		(Some(from), Some(key)) => {
			let base = wire::base_url(from.as_bytes()).map_err(|e| {
				format!("--from {from}: {e}\n  give a URL such as http://127.0.0.1:4200")
			})?;
			let started = std::time::Instant::now();
			let feed = sponsor::fetch_feed(&base, key, |done, total| {
				if done == total || done % 64 == 0 {
					eprint!(
						"\rreading   {} blocks checked",
						sponsor::bar(done as usize, total as usize, 30)
					);
					let _ = std::io::stderr().flush();
				}
			})
			.await
			.map_err(|e| {
				eprintln!();
				e.to_string()
			})?;
			eprintln!(" in {:.1?}", started.elapsed());
			Ok(feed)
		}
		(Some(_), None) => Err(format!(
			"{source} is not a Hypercore key: with --from, give the feed's key (64 hex digits)"
		)),
		(None, key) => {
			let path = PathBuf::from(source);
			if key.is_some() && !path.exists() {
				return Err(format!(
					"{source} looks like a Hypercore key: say where the feed is served with --from <URL>\n  (node network/hypercore-source/serve.mjs --storage <dir> serves a core kept on this machine)"
				));
			}
			let stream = archive::pack(&path).map_err(|e| e.to_string())?;
			let (pair, _) = ed25519::Pair::generate();
			Ok(Feed::from_bytes(&pair, &stream))
		}
	}
}

/// Shows a progress bar until every contract of `plan` is active.
async fn wait_active(chain: &Chain, plan: PlanId, timeout: Duration) -> Result<(), String> {
	let started = std::time::Instant::now();
	loop {
		let progress = sponsor::progress(chain, plan).await.map_err(|e| e.to_string())?;
		let (hosted, total) = progress.hosted();
		eprint!("\rsetup     {} copies hosted", sponsor::bar(hosted, total, 30));
		let _ = std::io::stderr().flush();
		if progress.all_active() {
			eprintln!();
			return Ok(());
		}
		if chain.plan(plan).await.map_err(|e| e.to_string())?.is_none() {
			eprintln!();
			return Err(format!("plan {plan} ended before it was hosted (see its EndPlan event)"));
		}
		if started.elapsed() > timeout {
			eprintln!();
			return Err(format!(
				"plan {plan} is not hosted after {timeout:?}: are providers running for its regions? (./scripts/dev.sh starts some)"
			));
		}
		tokio::time::sleep(Duration::from_secs(1)).await;
	}
}

async fn print_status(chain: &Chain, plan_id: PlanId) -> Result<(), String> {
	let plan = chain
		.plan(plan_id)
		.await
		.map_err(|e| e.to_string())?
		.ok_or_else(|| format!("plan {plan_id} is not live on this chain"))?;
	let regions: Vec<String> =
		plan.regions.iter().map(|r| String::from_utf8_lossy(r.as_bytes()).into_owned()).collect();
	println!(
		"plan {plan_id}: feed {} ({} blocks), regions {}, {} hosters per contract{}",
		hex(&plan.feed.key),
		plan.feed.length,
		regions.join(","),
		plan.hosters,
		if plan.paused { ", paused" } else { "" }
	);
	let progress = sponsor::progress(chain, plan_id).await.map_err(|e| e.to_string())?;
	let (hosted, total) = progress.hosted();
	println!("setup {}", sponsor::bar(hosted, total, 30));
	for (id, contract) in &progress.contracts {
		println!(
			"contract {id}: blocks {}..{}, {:?}",
			contract.range.start, contract.range.end, contract.status
		);
		for position in &contract.positions {
			let Some(hoster) = &position.hoster else {
				println!("  (vacant) in {}", String::from_utf8_lossy(position.region.as_bytes()));
				continue;
			};
			let missed = chain.failures(*id, hoster).await.map_err(|e| e.to_string())?;
			let rating = chain.rating(hoster, &position.region).await.map_err(|e| e.to_string())?;
			let rating = rating
				.map(|r| {
					format!(
						"proofs passed {}/{}, latency {} ms, bandwidth {} kB/s ({} attestors)",
						r.challenges_passed,
						r.challenges_issued,
						r.latency_ms,
						r.bandwidth_kbps,
						r.measured_by
					)
				})
				.unwrap_or_else(|| "not rated yet".into());
			println!(
				"  {hoster} {:?} in {}: missed in a row {missed}; {rating}",
				position.state,
				String::from_utf8_lossy(position.region.as_bytes()),
			);
		}
	}
	Ok(())
}
