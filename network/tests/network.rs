//! The whole network on loopback: `datdot-node --dev`, nine `datdot-provider`s (dev accounts:
//! six hosters and encoders, three attestors) and the `datdot` CLI of a sponsor. A file is published and every contract
//! becomes active; proofs pass for several challenge periods; the file is read back byte for
//! byte; a killed hoster misses, is replaced, and its replacement receives its copy and proves
//! it; a restarted provider keeps answering. Every wait is bounded.
//!
//! The node binary is the one `cargo test --workspace` builds next to this test
//! (`DATDOT_NODE` overrides it).

use datdot_network::{chain::Chain, types::PositionState};
use datdot_primitives::{ContractId, PlanId};
use sp_core::crypto::AccountId32;
use std::{
	net::TcpListener,
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
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
	_node: Process,
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

/// The proofs `hoster` passed in `contract`'s region, per the chain's ratings.
async fn passed(chain: &Chain, contract: ContractId, hoster: &AccountId32) -> u32 {
	let Ok(Some(stored)) = chain.contract(contract).await else { return 0 };
	let Some(position) = stored.positions.iter().find(|p| p.hoster.as_ref() == Some(hoster)) else {
		return 0;
	};
	chain
		.rating(hoster, &position.region)
		.await
		.ok()
		.flatten()
		.map(|r| r.challenges_passed)
		.unwrap_or(0)
}

fn hosters_of(contract: &datdot_network::types::Contract) -> Vec<AccountId32> {
	contract.positions.iter().filter_map(|p| p.hoster.clone()).collect()
}

fn datdot(args: &[&str]) -> std::process::Output {
	Command::new(env!("CARGO_BIN_EXE_datdot")).args(args).output().expect("datdot runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_is_hosted_proven_retrieved_and_repaired() {
	let dir = std::env::temp_dir().join(format!("datdot-network-{}", std::process::id()));
	let _ = std::fs::remove_dir_all(&dir);
	std::fs::create_dir_all(&dir).expect("a temp dir");
	let rpc_port = free_port();
	let node = Process::start(
		&node_binary(),
		&[
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
		],
		dir.join("node.log"),
	);
	let rpc = format!("ws://127.0.0.1:{rpc_port}");
	let mut network = Network {
		dir: dir.clone(),
		rpc: rpc.clone(),
		_node: node,
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
			if passed(&chain, contract_id, hoster).await < 3 {
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
	let before = passed(&chain, contract_id, &replacement).await;
	wait_for(
		"the replacement holds its copy and proves it",
		Duration::from_secs(150),
		&network,
		|| async {
			let contract = chain.contract(contract_id).await.ok()??;
			let hosted = contract.positions.iter().all(|p| p.state == PositionState::Hosted);
			(hosted && passed(&chain, contract_id, &replacement).await > before).then_some(())
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
	let before = passed(&chain, contract_id, &restarted).await;
	wait_for("the restarted hoster answers again", Duration::from_secs(90), &network, || async {
		(passed(&chain, contract_id, &restarted).await > before).then_some(())
	})
	.await;
	assert_eq!(chain.failures(contract_id, &restarted).await.expect("read"), 0);

	let again = dir.join("again.bin");
	let get = datdot(&["--node", &rpc, "get", &plan.to_string(), again.to_str().expect("utf-8")]);
	assert!(get.status.success(), "get failed: {}", String::from_utf8_lossy(&get.stderr));
	assert_eq!(std::fs::read(&again).expect("read"), data);

	drop(network);
	let _ = std::fs::remove_dir_all(&dir);
}
