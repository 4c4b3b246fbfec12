//! The whole network on loopback: `datdot-node --dev`, nine `datdot-provider`s (dev accounts:
//! six hosters and encoders, three attestors) and the `datdot` CLI of a sponsor. A file is published and every contract
//! becomes active; proofs pass for several challenge periods; the file is read back byte for
//! byte; an existing Hypercore, made by the `hypercore` package and served by
//! `network/hypercore-source`, is published by its key and read back too; a killed hoster misses,
//! is replaced, and its replacement receives its copy and proves it; a restarted provider keeps
//! answering; after the node restarts, the providers reconnect and go on proving. Every wait is
//! bounded.
//!
//! The node binary is the one `cargo test --workspace` builds next to this test
//! (`DATDOT_NODE` overrides it).

use datdot_network::{
	chain::Chain,
	types::{Event, PositionState},
};
use datdot_primitives::{ContractId, PlanId};
use sp_core::crypto::AccountId32;
use std::{
	collections::HashMap,
	net::TcpListener,
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	sync::{Arc, Mutex},
	time::{Duration, Instant},
};

/// Blocks every 250 ms: a challenge period (100 blocks) takes 25 s.
const BLOCK_MS: u32 = 250;

/// The providers (dev accounts, whose attestor keys the dev node holds) and their roles. A
/// contract of two hosters involves two hosters, two encoders and three drawn attestors, all
/// distinct (`docs/MATCHING.md`); the spare hosters take over a failed one.
const PROVIDERS: [(&str, &str, &str); 9] = [
	("alice", "//Alice", "hoster,encoder"),
	("bob", "//Bob", "hoster,encoder"),
	("charlie", "//Charlie", "hoster,encoder"),
	("dave", "//Dave", "hoster,encoder"),
	("eve", "//Eve", "hoster,encoder"),
	("alice-stash", "//Alice//stash", "hoster,encoder"),
	("bob-stash", "//Bob//stash", "attestor"),
	("charlie-stash", "//Charlie//stash", "attestor"),
	("dave-stash", "//Dave//stash", "attestor"),
];

/// Hosters per contract.
const HOSTERS: usize = 2;

fn free_port() -> u16 {
	TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port()
}

fn node_binary() -> PathBuf {
	if let Ok(path) = std::env::var("DATDOT_NODE") {
		return PathBuf::from(path);
	}
	// target/<profile>/deps/network-<hash> → target/<profile>/datdot-node
	let exe = std::env::current_exe().expect("the test's path");
	let dir = exe.parent().and_then(Path::parent).expect("target/<profile>");
	dir.join("datdot-node")
}

/// A child process killed when dropped, with its output in a log file.
struct Process {
	child: Child,
	log: PathBuf,
}

impl Process {
	fn start(program: &Path, args: &[String], log: PathBuf) -> Self {
		let out = std::fs::File::create(&log).expect("a log file");
		let err = out.try_clone().expect("a log file");
		let child = Command::new(program)
			.args(args)
			.env("RUST_LOG", "info")
			.stdout(Stdio::from(out))
			.stderr(Stdio::from(err))
			.spawn()
			.unwrap_or_else(|e| panic!("starting {}: {e}", program.display()));
		Self { child, log }
	}

	fn kill(&mut self) {
		let _ = self.child.kill();
		let _ = self.child.wait();
	}

	/// The CPU time the process used so far, in seconds (user and system, from `/proc`).
	fn cpu_seconds(&self) -> f64 {
		let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))
			.expect("a running process");
		// Fields after the command name (which ends at the last ')'): utime is the 12th, stime
		// the 13th, in clock ticks.
		let fields: Vec<&str> =
			stat.rsplit_once(')').expect("a stat line").1.split_whitespace().collect();
		let ticks: f64 =
			fields[11].parse::<f64>().expect("utime") + fields[12].parse::<f64>().expect("stime");
		ticks / clock_ticks()
	}

	fn tail(&self) -> String {
		let text = std::fs::read_to_string(&self.log).unwrap_or_default();
		let start = text.len().saturating_sub(4000);
		text[start..].to_string()
	}
}

impl Drop for Process {
	fn drop(&mut self) {
		self.kill();
	}
}

struct Network {
	dir: PathBuf,
	rpc: String,
	node: Process,
	node_args: Vec<String>,
	/// (name, secret URI, roles, port, process)
	providers: Vec<(String, String, String, u16, Option<Process>)>,
}

impl Network {
	fn provider_args(&self, name: &str, suri: &str, roles: &str, port: u16) -> Vec<String> {
		vec![
			"--roles".into(),
			roles.into(),
			"--node".into(),
			self.rpc.clone(),
			"--suri".into(),
			suri.into(),
			"--data".into(),
			self.dir.join(name).display().to_string(),
			"--listen".into(),
			format!("127.0.0.1:{port}"),
			"--location".into(),
			"u33dc".into(),
		]
	}

	/// Stops the node and starts it again on its database, ports and keys.
	fn restart_node(&mut self) {
		self.node.kill();
		self.node =
			Process::start(&node_binary(), &self.node_args, self.dir.join("node-restarted.log"));
	}

	fn start_provider(&mut self, index: usize) {
		let (name, suri, roles, port, _) = &self.providers[index];
		let args = self.provider_args(name, suri, roles, *port);
		let log = self.dir.join(format!("{name}.log"));
		let process = Process::start(Path::new(env!("CARGO_BIN_EXE_datdot-provider")), &args, log);
		self.providers[index].4 = Some(process);
	}

	fn index_of(&self, account: &AccountId32) -> usize {
		self.providers
			.iter()
			.position(|(_, suri, _, _, _)| &account_of(suri) == account)
			.expect("a provider of this network")
	}

	/// CPU seconds used so far by the providers, and by the node.
	fn cpu_seconds(&self) -> (f64, f64) {
		let providers =
			self.providers.iter().filter_map(|p| p.4.as_ref()).map(Process::cpu_seconds).sum();
		(providers, self.node.cpu_seconds())
	}

	fn logs(&self) -> String {
		self.providers
			.iter()
			.filter_map(|(name, _, _, _, p)| {
				p.as_ref().map(|p| format!("--- {name}\n{}", p.tail()))
			})
			.collect::<Vec<_>>()
			.join("\n")
	}
}

/// Clock ticks per second (`getconf CLK_TCK`).
fn clock_ticks() -> f64 {
	let out = Command::new("getconf").arg("CLK_TCK").output().expect("getconf runs");
	String::from_utf8_lossy(&out.stdout).trim().parse().expect("a number")
}

fn account_of(suri: &str) -> AccountId32 {
	use sp_core::Pair;
	AccountId32::from(sp_core::sr25519::Pair::from_string(suri, None).expect("a dev key").public())
}

/// Polls `check` until it returns `Some`, at most `limit`.
async fn wait_for<T, F, Fut>(what: &str, limit: Duration, network: &Network, mut check: F) -> T
where
	F: FnMut() -> Fut,
	Fut: std::future::Future<Output = Option<T>>,
{
	let started = Instant::now();
	loop {
		if let Some(value) = check().await {
			println!("[{:>6.1?}] {what}", started.elapsed());
			return value;
		}
		if started.elapsed() > limit {
			panic!("{what}: not after {limit:?}\n{}", network.logs());
		}
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
}

/// Every proof accepted and missed, per (contract, hoster), from the chain's events since
/// [`Proofs::follow`] (the ratings count per hoster and region, not per contract).
#[derive(Clone, Default)]
struct Proofs(Arc<Mutex<HashMap<(ContractId, AccountId32), (u32, u32)>>>);

impl Proofs {
	/// Records every block's proof events from now on, until the node goes away.
	async fn follow(chain: &Chain) -> Self {
		let proofs = Self::default();
		let mut blocks = chain.blocks().await.expect("a block subscription");
		let record = proofs.clone();
		tokio::spawn(async move {
			while let Some(block) = blocks.recv().await {
				let Ok(block) = block else { continue };
				let mut seen = record.0.lock().expect("not poisoned");
				for event in block.events {
					match event {
						Event::ProofAccepted(e) => {
							seen.entry((e.contract, e.hoster)).or_default().0 += 1
						}
						Event::ProofMissed(e) => {
							seen.entry((e.contract, e.hoster)).or_default().1 += 1
						}
						_ => {}
					}
				}
			}
		});
		proofs
	}

	fn get(&self, contract: ContractId, hoster: &AccountId32) -> (u32, u32) {
		let seen = self.0.lock().expect("not poisoned");
		seen.get(&(contract, hoster.clone())).copied().unwrap_or_default()
	}

	/// Proofs `hoster` had accepted in `contract`.
	fn accepted(&self, contract: ContractId, hoster: &AccountId32) -> u32 {
		self.get(contract, hoster).0
	}

	/// Challenges `hoster` missed in `contract`.
	fn missed(&self, contract: ContractId, hoster: &AccountId32) -> u32 {
		self.get(contract, hoster).1
	}
}

fn hosters_of(contract: &datdot_network::types::Contract) -> Vec<AccountId32> {
	contract.positions.iter().filter_map(|p| p.hoster.clone()).collect()
}

/// Makes a Hypercore with the `hypercore` package (`serve.mjs --import`), serves it, publishes it
/// by its key and waits until it is hosted; returns the plan and the feed's bytes.
async fn publish_hypercore(network: &Network, rpc: &str, chain: &Chain) -> (PlanId, Vec<u8>) {
	let source_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("hypercore-source");
	assert!(
		source_dir.join("node_modules/hypercore").is_dir(),
		"run `npm ci` in {} (scripts/test.sh does)",
		source_dir.display()
	);
	let data: Vec<u8> = (0..200_000u32).map(|n| (n.wrapping_mul(40_503) >> 7) as u8).collect();
	let file = network.dir.join("hypercore-input.bin");
	std::fs::write(&file, &data).expect("written");
	let listen = format!("127.0.0.1:{}", free_port());
	let source = Process::start(
		Path::new("node"),
		&[
			source_dir.join("serve.mjs").display().to_string(),
			"--storage".into(),
			network.dir.join("hypercore").display().to_string(),
			"--import".into(),
			file.display().to_string(),
			"--listen".into(),
			listen.clone(),
		],
		network.dir.join("hypercore-source.log"),
	);
	let key = wait_for("the Hypercore is served", Duration::from_secs(60), network, || async {
		let log = std::fs::read_to_string(&source.log).ok()?;
		assert!(!log.contains("datdot-hypercore-source:"), "the Hypercore source failed:\n{log}");
		log.contains("serving")
			.then(|| log.lines().find_map(|l| l.strip_prefix("key ").map(str::to_owned)))
			.flatten()
	})
	.await;
	let started = Instant::now();
	let publish = Command::new(env!("CARGO_BIN_EXE_datdot"))
		.args(["--node", rpc, "--suri", "//Ferdie", "publish", &key])
		.args(["--from", &format!("http://{listen}")])
		.args(["--regions", "u3", "--hosters", &HOSTERS.to_string(), "--timeout", "600"])
		.args(["--listen", &format!("127.0.0.1:{}", free_port())])
		.output()
		.expect("datdot publish runs");
	let stdout = String::from_utf8_lossy(&publish.stdout).into_owned();
	assert!(
		publish.status.success(),
		"publish <key> failed:\n{stdout}\n{}\n{}\n{}",
		String::from_utf8_lossy(&publish.stderr),
		source.tail(),
		network.logs()
	);
	println!("publish <hypercore key> → every contract active in {:.1?}", started.elapsed());
	assert!(stdout.contains(&key), "publish names the Hypercore's own key");
	let plan: PlanId = stdout
		.lines()
		.find_map(|l| l.strip_prefix("plan").map(|rest| rest.trim().parse().expect("a plan id")))
		.expect("publish names the plan");
	let live = chain.plan(plan).await.expect("read").expect("live");
	assert_eq!(datdot_network::provider::hex(&live.feed.key), key);
	assert_eq!(live.feed.length, 4, "200,000 bytes in 64 KiB blocks");
	(plan, data)
}

fn datdot(args: &[&str]) -> std::process::Output {
	Command::new(env!("CARGO_BIN_EXE_datdot")).args(args).output().expect("datdot runs")
}

/// Starts the node and every provider in a fresh directory named after `name`; returns once
/// every provider is registered.
async fn start_network(name: &str) -> (Network, Chain, String) {
	let _ = tracing_subscriber::fmt()
		.with_env_filter(
			tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
		)
		.with_test_writer()
		.try_init();
	let dir = std::env::temp_dir().join(format!("datdot-{name}-{}", std::process::id()));
	let _ = std::fs::remove_dir_all(&dir);
	std::fs::create_dir_all(&dir).expect("a temp dir");
	let rpc_port = free_port();
	let node_args: Vec<String> = vec![
		"--dev".into(),
		"--consensus".into(),
		format!("manual-seal-{BLOCK_MS}"),
		"--base-path".into(),
		dir.join("node").display().to_string(),
		"--rpc-port".into(),
		rpc_port.to_string(),
		"--port".into(),
		free_port().to_string(),
		"--prometheus-port".into(),
		free_port().to_string(),
		"--no-telemetry".into(),
		"--no-mdns".into(),
	];
	let node = Process::start(&node_binary(), &node_args, dir.join("node.log"));
	let rpc = format!("ws://127.0.0.1:{rpc_port}");
	let mut network = Network {
		dir,
		rpc: rpc.clone(),
		node,
		node_args,
		providers: PROVIDERS
			.iter()
			.map(|(n, s, r)| (n.to_string(), s.to_string(), r.to_string(), free_port(), None))
			.collect(),
	};
	let chain = wait_for("the node answers", Duration::from_secs(120), &network, || async {
		Chain::connect(&rpc).await.ok()
	})
	.await;
	for index in 0..PROVIDERS.len() {
		network.start_provider(index);
	}
	wait_for("every provider is registered", Duration::from_secs(120), &network, || async {
		for (_, suri, roles, _, _) in &network.providers {
			let role = if roles.contains("hoster") {
				datdot_primitives::Role::Hoster
			} else {
				datdot_primitives::Role::Attestor
			};
			let registered = chain.provider(&account_of(suri), role).await;
			if !matches!(registered, Ok(Some(_))) {
				return None;
			}
		}
		Some(())
	})
	.await;
	(network, chain, rpc)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_is_hosted_proven_retrieved_and_repaired() {
	let (mut network, chain, rpc) = start_network("network").await;
	let proofs = Proofs::follow(&chain).await;
	let dir = network.dir.clone();

	// A file of several blocks (`DATDOT_NETWORK_BYTES` sets the size), published by Ferdie.
	let file = dir.join("data.bin");
	let size: u32 =
		std::env::var("DATDOT_NETWORK_BYTES").ok().and_then(|b| b.parse().ok()).unwrap_or(300_000);
	let data: Vec<u8> = (0..size).map(|n| (n.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
	std::fs::write(&file, &data).expect("written");
	let started = Instant::now();
	let publish = Command::new(env!("CARGO_BIN_EXE_datdot"))
		.args(["--node", &rpc, "--suri", "//Ferdie", "publish"])
		.arg(&file)
		.args(["--regions", "u3", "--hosters", &HOSTERS.to_string(), "--timeout", "1200"])
		.args(["--listen", &format!("127.0.0.1:{}", free_port())])
		.output()
		.expect("datdot publish runs");
	let stdout = String::from_utf8_lossy(&publish.stdout).into_owned();
	assert!(
		publish.status.success(),
		"publish failed:\n{stdout}\n{}\n{}",
		String::from_utf8_lossy(&publish.stderr),
		network.logs()
	);
	println!("publish → every contract active in {:.1?}", started.elapsed());
	let plan: PlanId = stdout
		.lines()
		.find_map(|l| l.strip_prefix("plan").map(|rest| rest.trim().parse().expect("a plan id")))
		.expect("publish names the plan");
	let contracts = chain.plan_contracts(plan).await.expect("read");
	assert_eq!(contracts.len(), 1, "up to 4 GiB fit one contract");
	let contract_id = contracts[0];
	let contract = chain.contract(contract_id).await.expect("read").expect("live");
	assert!(contract
		.positions
		.iter()
		.all(|p| p.state == PositionState::Hosted && p.commitment.is_some()));
	let hosters = hosters_of(&contract);
	assert_eq!(hosters.len(), HOSTERS);

	// Periodic proofs pass, period after period, for every hoster.
	wait_for("every hoster passed 3 challenges", Duration::from_secs(150), &network, || async {
		for hoster in &hosters {
			if proofs.accepted(contract_id, hoster) < 3 {
				return None;
			}
		}
		Some(())
	})
	.await;

	// Read back byte for byte.
	let out = dir.join("copy.bin");
	let get = datdot(&["--node", &rpc, "get", &plan.to_string(), out.to_str().expect("utf-8")]);
	assert!(get.status.success(), "get failed: {}", String::from_utf8_lossy(&get.stderr));
	assert_eq!(std::fs::read(&out).expect("read"), data);

	// Kill one hoster: its misses are counted, it is replaced, the replacement proves.
	let killed = hosters[0].clone();
	let killed_index = network.index_of(&killed);
	if let Some(process) = network.providers[killed_index].4.as_mut() {
		process.kill();
	}
	wait_for(
		"the killed hoster's misses are counted",
		Duration::from_secs(120),
		&network,
		|| async { (chain.failures(contract_id, &killed).await.ok()? >= 1).then_some(()) },
	)
	.await;
	let replacement =
		wait_for("the killed hoster is replaced", Duration::from_secs(240), &network, || async {
			let contract = chain.contract(contract_id).await.ok()??;
			let now = hosters_of(&contract);
			if now.contains(&killed) || now.len() != HOSTERS {
				return None;
			}
			now.into_iter().find(|h| !hosters.contains(h))
		})
		.await;
	let before = proofs.accepted(contract_id, &replacement);
	wait_for(
		"the replacement holds its copy and proves it",
		Duration::from_secs(150),
		&network,
		|| async {
			let contract = chain.contract(contract_id).await.ok()??;
			let hosted = contract.positions.iter().all(|p| p.state == PositionState::Hosted);
			(hosted && proofs.accepted(contract_id, &replacement) > before).then_some(())
		},
	)
	.await;

	// Restart a hoster: it keeps answering from its stored copy.
	let restarted = hosters[1].clone();
	let restarted_index = network.index_of(&restarted);
	if let Some(process) = network.providers[restarted_index].4.as_mut() {
		process.kill();
	}
	network.start_provider(restarted_index);
	let before = proofs.accepted(contract_id, &restarted);
	wait_for("the restarted hoster answers again", Duration::from_secs(90), &network, || async {
		(proofs.accepted(contract_id, &restarted) > before).then_some(())
	})
	.await;
	assert_eq!(chain.failures(contract_id, &restarted).await.expect("read"), 0);

	let again = dir.join("again.bin");
	let get = datdot(&["--node", &rpc, "get", &plan.to_string(), again.to_str().expect("utf-8")]);
	assert!(get.status.success(), "get failed: {}", String::from_utf8_lossy(&get.stderr));
	assert_eq!(std::fs::read(&again).expect("read"), data);

	// An existing Hypercore, published by its key: made by `hypercore` itself from another file,
	// served by the source, read and checked by the CLI, hosted, and read back as raw bytes.
	let hypercore = publish_hypercore(&network, &rpc, &chain).await;
	let raw = dir.join("hypercore.bin");
	let get =
		datdot(&["--node", &rpc, "get", &hypercore.0.to_string(), raw.to_str().expect("utf-8")]);
	assert!(!get.status.success(), "a raw feed is not an archive");
	assert!(String::from_utf8_lossy(&get.stderr).contains("--raw"), "the error says what to do");
	let get = datdot(&[
		"--node",
		&rpc,
		"get",
		&hypercore.0.to_string(),
		raw.to_str().expect("utf-8"),
		"--raw",
	]);
	assert!(get.status.success(), "get --raw failed: {}", String::from_utf8_lossy(&get.stderr));
	assert_eq!(std::fs::read(&raw).expect("read"), hypercore.1);

	// Restart the node: every provider reconnects by itself and the hosters go on proving.
	network.restart_node();
	let chain = wait_for("the node answers again", Duration::from_secs(120), &network, || async {
		Chain::connect(&rpc).await.ok()
	})
	.await;
	let proofs = Proofs::follow(&chain).await;
	let contract = chain.contract(contract_id).await.expect("read").expect("live");
	let mut before = Vec::new();
	for hoster in hosters_of(&contract) {
		before.push((proofs.accepted(contract_id, &hoster), hoster));
	}
	wait_for(
		"the providers reconnect and prove again",
		Duration::from_secs(120),
		&network,
		|| async {
			for (count, hoster) in &before {
				if proofs.accepted(contract_id, hoster) <= *count {
					return None;
				}
			}
			Some(())
		},
	)
	.await;

	drop(network);
	let _ = std::fs::remove_dir_all(&dir);
}

/// The throughput figure of `docs/BENCHMARKS.md`: how many plans this machine's nine providers
/// carry. Sponsors (64 plans each at most, the runtime's limit) serve `DATDOT_NETWORK_PLANS`
/// feeds (default 96: the six hosters' whole capacity of 32 positions each, two per contract)
/// of `DATDOT_NETWORK_PLAN_BYTES` each (default 100,000), each sponsor from one endpoint, and
/// subscribe a two-hoster plan for each, one after another; then the time until every contract
/// is active, and until every hoster has proven every copy once more, with no miss, and the CPU
/// time the providers and the node used meanwhile. A measurement of a few minutes, run by hand:
///
///     cargo test --release -p datdot-network --test network -- --ignored --nocapture
#[ignore = "a measurement of a few minutes (docs/BENCHMARKS.md)"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_plans_are_carried_by_one_machine() {
	use datdot_network::{
		feed::Feed,
		identity::Identity,
		sponsor::{self, FeedServer, PlanTerms},
		wire,
	};
	use sp_core::{ed25519, Pair};

	let number = |name: &str, default: usize| {
		std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
	};
	let (plans, bytes) =
		(number("DATDOT_NETWORK_PLANS", 96), number("DATDOT_NETWORK_PLAN_BYTES", 100_000));
	let (network, chain, _rpc) = start_network("throughput").await;
	let proofs = Proofs::follow(&chain).await;
	let terms = PlanTerms {
		regions: vec!["u3".into()],
		hosters: HOSTERS as u8,
		duration: None,
		max_latency_ms: 1000,
		min_bandwidth_kbps: 0,
	};
	// Sponsors of up to 64 plans each (the runtime's `MaxPlansPerSponsor`), each serving its
	// feeds from one endpoint.
	let mut sponsors = Vec::new();
	let mut servers = Vec::new();
	for (s, suri) in ["//Ferdie", "//Ferdie//stash", "//Eve//stash"].iter().enumerate() {
		let count = plans.saturating_sub(s * 64).min(64);
		if count == 0 {
			break;
		}
		let feeds: Vec<Arc<Feed>> = (s * 64..s * 64 + count)
			.map(|n| {
				let mut seed = [7u8; 32];
				seed[..8].copy_from_slice(&(n as u64).to_le_bytes());
				let pair = ed25519::Pair::from_seed(&seed);
				let data: Vec<u8> = (0..bytes).map(|i| (i * 31 + n * 7) as u8).collect();
				Arc::new(Feed::from_bytes(&pair, &data))
			})
			.collect();
		let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bound");
		let endpoint = format!("http://{}", listener.local_addr().expect("an address"));
		servers.push(tokio::spawn(wire::serve(listener, FeedServer::many(feeds.clone()))));
		let me = Identity::from_uri(suri, chain.genesis()).expect("a dev account");
		sponsor::ensure_account(&chain, &me, "u33dc", &endpoint).await.expect("an account");
		sponsors.push((me, feeds));
	}
	assert_eq!(sponsors.iter().map(|(_, f)| f.len()).sum::<usize>(), plans, "at most 192 plans");

	let started = Instant::now();
	let mut ids = Vec::new();
	for (me, feeds) in &sponsors {
		for feed in feeds {
			ids.push(
				sponsor::subscribe(&chain, me, feed, &terms).await.expect("a plan is subscribed"),
			);
		}
	}
	let subscribed = started.elapsed();
	wait_for("every contract is active", Duration::from_secs(900), &network, || async {
		for plan in &ids {
			if !sponsor::progress(&chain, *plan).await.ok()?.all_active() {
				return None;
			}
		}
		Some(())
	})
	.await;
	let active = started.elapsed();
	let cpu_at_active = network.cpu_seconds();

	// Every (contract, hoster) position proves its copy once more.
	let mut positions = Vec::new();
	for plan in &ids {
		for (id, contract) in sponsor::progress(&chain, *plan).await.expect("read").contracts {
			for hoster in hosters_of(&contract) {
				let before = proofs.accepted(id, &hoster);
				positions.push((id, hoster, before));
			}
		}
	}
	assert_eq!(positions.len(), plans * HOSTERS, "one contract of {HOSTERS} hosters per plan");
	wait_for("every position proves again", Duration::from_secs(300), &network, || async {
		for (id, hoster, before) in &positions {
			if proofs.accepted(*id, hoster) <= *before {
				return None;
			}
		}
		Some(())
	})
	.await;
	let proven = started.elapsed();
	let cpu_at_proven = network.cpu_seconds();
	for (id, hoster, _) in &positions {
		assert_eq!(proofs.missed(*id, hoster), 0, "{hoster} missed a challenge of contract {id}");
	}
	let (providers_cpu, node_cpu) =
		(cpu_at_proven.0 - cpu_at_active.0, cpu_at_proven.1 - cpu_at_active.1);
	println!(
		"{plans} plans of {bytes} bytes ({} positions on 6 hosters): subscribed in {subscribed:.1?}, \
		 all active after {active:.1?}, every position proven again after {proven:.1?}, no miss; \
		 meanwhile ({:.1?}) the nine providers used {providers_cpu:.1} CPU s and the node {node_cpu:.1}",
		positions.len(),
		proven - active,
	);
	for server in servers {
		server.abort();
	}
	let dir = network.dir.clone();
	drop(network);
	let _ = std::fs::remove_dir_all(&dir);
}
