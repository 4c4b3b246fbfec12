//! What the `datdot` CLI does for sponsors: publish a feed and serve it until every hoster holds
//! it, show a plan's state, and read a plan's data back from its hosters.

use crate::{
	chain::{calls, Chain, ChainError},
	feed::{Feed, BLOCK_SIZE},
	identity::Identity,
	provider::hex,
	types::{Contract, FeedInput, PlanInput, PositionState},
	wire::{self, Handler, Peers, Reply, Request},
};
use datdot_primitives::{
	encoding,
	feed::{BlockProof, FeedKey, FeedTree, SignedTree},
	ContractId, PlanId, Priority, Role,
};
use futures::{StreamExt, TryStreamExt};
use std::sync::Arc;

/// Why a sponsor command failed.
#[derive(Debug, thiserror::Error)]
pub enum SponsorError {
	/// The chain refused or could not be reached.
	#[error(transparent)]
	Chain(#[from] ChainError),
	/// Anything else, with what to do about it.
	#[error("{0}")]
	Other(String),
}

fn other(message: impl Into<String>) -> SponsorError {
	SponsorError::Other(message.into())
}

/// Serves feeds to encoders: their blocks (`GET /feed/<key>/<index>?length=<n>`) and their keys
/// and signed trees (`GET /feed/<key>/tree`).
pub struct FeedServer {
	feeds: std::collections::HashMap<String, Arc<Feed>>,
}

impl FeedServer {
	/// A server of `feed`.
	pub fn new(feed: Arc<Feed>) -> Arc<Self> {
		Self::many([feed])
	}

	/// A server of every feed of `feeds`: one endpoint for all the plans of a sponsor.
	pub fn many(feeds: impl IntoIterator<Item = Arc<Feed>>) -> Arc<Self> {
		Arc::new(Self { feeds: feeds.into_iter().map(|f| (hex(&f.key().key), f)).collect() })
	}
}

impl Handler for FeedServer {
	async fn handle(&self, request: Request) -> Reply {
		let segments: Vec<&str> = request.segments.iter().map(String::as_str).collect();
		match (request.method.as_str(), segments.as_slice()) {
			("GET", ["ping"]) => Reply::encoded(&()),
			("GET", ["feed", key, index]) => {
				let Some(feed) = self.feeds.get(key.trim_start_matches("0x")) else {
					return Reply::NotFound("another feed".into());
				};
				if *index == "tree" {
					return Reply::encoded(&(feed.key(), feed.signed_tree()));
				}
				let length = request.query_param("length").and_then(|l| l.parse::<u64>().ok());
				if length != Some(feed.length()) {
					return Reply::NotFound(format!("only length {} is served", feed.length()));
				}
				match index.parse::<u64>().ok().and_then(|i| feed.proof(i)) {
					Some(proof) => Reply::encoded(&proof),
					None => Reply::NotFound("no such block".into()),
				}
			}
			_ => Reply::NotFound("no such route".into()),
		}
	}
}

/// How many blocks are asked for at once when a feed is read from its source.
const BLOCKS_IN_FLIGHT: usize = 16;

/// The Hypercore `key` as the source at `base` serves it (`GET /feed/<key>/tree`, then every
/// block, as `datdot-hypercore-source` or another sponsor serves them): the tree's signature,
/// every block and the whole tree are checked before anything is published. `progress` is told
/// how many blocks of how many have arrived.
pub async fn fetch_feed(
	base: &str,
	key: [u8; 32],
	progress: impl Fn(u64, u64),
) -> Result<Feed, SponsorError> {
	let peers = Peers::default();
	let key_hex = hex(&key);
	let (feed_key, tree): (FeedKey, SignedTree) =
		peers.get(base, &format!("/feed/{key_hex}/tree")).await.map_err(|e| {
			let hint = if e.is_not_found() || matches!(e, wire::WireError::Transport { .. }) {
				"\n  is the feed served there? (node network/hypercore-source/serve.mjs --storage <dir>)"
			} else {
				""
			};
			other(format!("cannot read the signed tree of {key_hex} from {base}: {e}{hint}"))
		})?;
	if feed_key.key != key {
		return Err(other(format!(
			"{base} served the tree of another feed ({})",
			hex(&feed_key.key)
		)));
	}
	hypercore_verify::verify_tree(&feed_key, &tree).map_err(|e| {
		other(format!(
			"the tree {base} serves is not a valid signed tree of the feed ({e:?}): do not publish it"
		))
	})?;
	let length = tree.length;
	if length == 0 {
		return Err(other("the feed is empty: append to it before publishing"));
	}
	let (peers, tree, key_hex) = (&peers, &tree, key_hex.as_str());
	let blocks: Vec<Vec<u8>> = futures::stream::iter(0..length)
		.map(|index| async move {
			let path = format!("/feed/{key_hex}/{index}?length={length}");
			let proof: BlockProof = peers.get(base, &path).await.map_err(|e| {
				other(format!("cannot read block {index} of {length} from {base}: {e}"))
			})?;
			if proof.index != index {
				return Err(other(format!("{base} sent block {} for block {index}", proof.index)));
			}
			if proof.value.len() > BLOCK_SIZE {
				return Err(other(format!(
					"block {index} is {} bytes: the chain proves blocks of up to {BLOCK_SIZE} bytes, so this feed cannot be hosted",
					proof.value.len()
				)));
			}
			hypercore_verify::verify_block(tree.length, tree.fork, &tree.roots, &proof).map_err(
				|e| other(format!("block {index} from {base} is not the signed feed's ({e:?})")),
			)?;
			Ok(proof.value)
		})
		.buffered(BLOCKS_IN_FLIGHT)
		.enumerate()
		.map(|(done, block)| {
			progress(done as u64 + 1, length);
			block
		})
		.try_collect()
		.await?;
	Feed::from_signed(feed_key, tree.clone(), blocks)
		.ok_or_else(|| other("the feed's blocks do not make its signed tree"))
}

/// A Hypercore key given on the command line (64 hex digits, `0x` allowed).
pub fn parse_feed_key(text: &str) -> Option<[u8; 32]> {
	crate::provider::parse_hex::<32>(text)
}

/// What `publish` asks for.
#[derive(Clone, Debug)]
pub struct PlanTerms {
	/// The regions to host in.
	pub regions: Vec<String>,
	/// Hosters per contract.
	pub hosters: u8,
	/// How many blocks the plan lasts (`None`: until unsubscribed).
	pub duration: Option<u32>,
	/// The highest latency hosters may show, in ms.
	pub max_latency_ms: u32,
	/// The lowest bandwidth hosters must show, in kB/s.
	pub min_bandwidth_kbps: u32,
}

/// Makes sure `me` has an account whose endpoint is `endpoint`.
pub async fn ensure_account(
	chain: &Chain,
	me: &Identity,
	location: &str,
	endpoint: &str,
) -> Result<(), SponsorError> {
	let profile = calls::Profile {
		signing_key: me.signing_key(),
		key_proof: me.key_proof(),
		noise_key: me.signing_key(),
		location: location.as_bytes().to_vec(),
		endpoint: Some(endpoint.as_bytes().to_vec()),
	};
	match chain.account(me.account()).await? {
		None => chain.submit(me, calls::account_create(profile)).await?,
		Some(account)
			if account.endpoint.as_deref().map(Vec::as_slice) != Some(endpoint.as_bytes()) =>
		{
			chain.submit(me, calls::account_update(profile)).await?
		}
		Some(_) => {}
	}
	Ok(())
}

/// Subscribes a plan hosting all of `feed`; returns its id.
pub async fn subscribe(
	chain: &Chain,
	me: &Identity,
	feed: &Feed,
	terms: &PlanTerms,
) -> Result<PlanId, SponsorError> {
	let tree = feed.signed_tree().clone();
	let key = feed.key();
	let mut tries = 0;
	let events = loop {
		let start = chain.best_number().await?;
		let input = PlanInput {
			feed: FeedInput { key: key.key, signer: key.signer, tree: tree.clone() },
			ranges: vec![datdot_primitives::ChunkRange { start: 0, end: feed.length() as u32 }],
			regions: terms.regions.iter().map(|r| r.clone().into_bytes()).collect(),
			hosters: Some(terms.hosters),
			// Matching starts in the block after the one the transaction lands in.
			start: input_start(start),
			end: terms.duration.map(|d| start.saturating_add(d)),
			min_performance: datdot_primitives::Performance {
				max_latency_ms: terms.max_latency_ms,
				min_bandwidth_kbps: terms.min_bandwidth_kbps,
			},
			priority: Priority::Normal,
		};
		match chain.submit_with_events(me, calls::plan_subscribe(input)).await {
			Ok(events) => break events,
			// A busy pool let the transaction land after the start it named: name a later one.
			Err(ChainError::Refused { reason, .. })
				if reason.contains("StartInPast") && tries < START_RETRIES =>
			{
				tries += 1;
				tracing::info!(
					"the plan landed after its start block {}; naming a later one",
					input_start(start)
				);
			}
			Err(e) => return Err(e.into()),
		}
	};
	events
		.iter()
		.find_map(|(pallet, variant, fields)| {
			(pallet == "Plans" && variant == "PlanSubscribed")
				.then(|| <PlanId as codec::Decode>::decode(&mut &fields[..]).ok())
				.flatten()
		})
		.ok_or_else(|| other("the chain took the plan but sent no PlanSubscribed event"))
}

fn input_start(best: u32) -> u32 {
	best.saturating_add(2)
}

/// How often a plan is subscribed again with a later start when it landed after its start.
const START_RETRIES: u32 = 3;

/// A plan's contracts and how far their setup is.
#[derive(Clone, Debug)]
pub struct PlanProgress {
	/// The contracts, by id.
	pub contracts: Vec<(ContractId, Contract)>,
}

impl PlanProgress {
	/// Positions hosted, of all positions.
	pub fn hosted(&self) -> (usize, usize) {
		let positions = self.contracts.iter().flat_map(|(_, c)| c.positions.iter());
		let (mut hosted, mut total) = (0, 0);
		for position in positions {
			total += 1;
			if position.state == PositionState::Hosted {
				hosted += 1;
			}
		}
		(hosted, total)
	}

	/// Whether every contract is active and every position hosted.
	pub fn all_active(&self) -> bool {
		let (hosted, total) = self.hosted();
		!self.contracts.is_empty()
			&& hosted == total
			&& self
				.contracts
				.iter()
				.all(|(_, c)| c.status == datdot_primitives::ContractStatus::Active)
	}
}

/// The contracts of `plan`.
pub async fn progress(chain: &Chain, plan: PlanId) -> Result<PlanProgress, SponsorError> {
	let mut contracts = Vec::new();
	for id in chain.plan_contracts(plan).await? {
		if let Some(contract) = chain.contract(id).await? {
			contracts.push((id, contract));
		}
	}
	Ok(PlanProgress { contracts })
}

/// A progress bar of `done` of `total`.
pub fn bar(done: usize, total: usize, width: usize) -> String {
	let filled = if total == 0 { 0 } else { done.min(total) * width / total };
	format!("[{}{}] {done}/{total}", "#".repeat(filled), "-".repeat(width - filled))
}

/// Reads the whole feed of `plan` from its hosters, checking every block against the plan's
/// signed tree; returns the feed's bytes in order.
pub async fn retrieve(chain: &Chain, plan_id: PlanId) -> Result<Vec<u8>, SponsorError> {
	let plan = chain.plan(plan_id).await?.ok_or_else(|| {
		other(format!(
			"plan {plan_id} is not live on this chain: check the id with `datdot status`"
		))
	})?;
	let roots =
		chain.feed_roots(plan_id).await?.ok_or_else(|| other("the plan's feed tree is gone"))?;
	let tree = plan.feed.tree(&roots);
	let genesis = chain.genesis();
	let peers = Peers::default();
	let mut blocks: Vec<Option<Vec<u8>>> = vec![None; tree.length as usize];
	for (id, contract) in progress(chain, plan_id).await?.contracts {
		// Every hoster with a confirmed copy, with its copy key.
		let mut hosters = Vec::new();
		for position in &contract.positions {
			let (Some(hoster), PositionState::Hosted) = (&position.hoster, &position.state) else {
				continue;
			};
			let Some(endpoint) = chain.account(hoster).await?.and_then(|a| a.endpoint) else {
				continue;
			};
			let Ok(base) = wire::base_url(&endpoint) else { continue };
			let key = encoding::copy_key(genesis.as_ref(), id, hoster, &position.seed);
			hosters.push((base, key, position.commitment));
		}
		if hosters.is_empty() {
			return Err(other(format!(
				"contract {id} has no hoster with a confirmed copy yet: wait for `datdot status {plan_id}` to show it active"
			)));
		}
		for index in contract.range.start..contract.range.end {
			let block = fetch_chunk(&peers, &hosters, id, contract.range, index, &tree).await?;
			blocks[index as usize] = Some(block);
		}
	}
	let mut data = Vec::new();
	for (index, block) in blocks.into_iter().enumerate() {
		data.extend(block.ok_or_else(|| other(format!("no contract covers block {index}")))?);
	}
	Ok(data)
}

/// Chunk `index` of contract `id`, decoded and checked, from the first hoster that has it.
async fn fetch_chunk(
	peers: &Peers,
	hosters: &[(String, [u8; 32], Option<sp_core::H256>)],
	id: ContractId,
	range: datdot_primitives::ChunkRange,
	index: u32,
	tree: &FeedTree,
) -> Result<Vec<u8>, SponsorError> {
	let mut failures = Vec::new();
	for (base, key, commitment) in hosters {
		let proof: crate::types::ChunkProof =
			match peers.get(base, &format!("/copy/{id}/{index}")).await {
				Ok(proof) => proof,
				Err(e) => {
					failures.push(e.to_string());
					continue;
				}
			};
		if let Some(root) = commitment {
			if !encoding::in_commitment(root, range, index, &proof.encoded, &proof.copy_path) {
				failures.push(format!("{base}: chunk {index} is not in its commitment"));
				continue;
			}
		}
		let value = encoding::decode_block(key, index as u64, &proof.encoded);
		let block = BlockProof { fork: tree.fork, index: index as u64, value, nodes: proof.nodes };
		match tree.verify(&block) {
			Ok(()) => return Ok(block.value),
			Err(e) => failures.push(format!("{base}: chunk {index}: {e:?}")),
		}
	}
	Err(other(format!("no hoster of contract {id} gave block {index}: {}", failures.join("; "))))
}

/// The roles a status line names.
pub fn role_name(role: Role) -> &'static str {
	match role {
		Role::Hoster => "hoster",
		Role::Encoder => "encoder",
		Role::Attestor => "attestor",
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use sp_core::{ed25519, Pair};
	use tokio::net::TcpListener;

	fn feed(seed: u8, blocks: usize) -> Arc<Feed> {
		let pair = ed25519::Pair::from_seed(&[seed; 32]);
		Arc::new(Feed::from_blocks(&pair, (0..blocks).map(|n| vec![seed ^ n as u8; 900]).collect()))
	}

	async fn serving<H: Handler>(handler: Arc<H>) -> (String, tokio::task::JoinHandle<()>) {
		let listener = TcpListener::bind("127.0.0.1:0").await.expect("bound");
		let base = format!("http://{}", listener.local_addr().expect("an address"));
		(base, tokio::spawn(wire::serve(listener, handler)))
	}

	#[tokio::test]
	async fn a_feed_is_read_back_from_a_server_of_several_and_checked() {
		let (a, b) = (feed(1, 5), feed(2, 3));
		let (base, server) = serving(FeedServer::many([a.clone(), b.clone()])).await;
		let seen = std::sync::Mutex::new(Vec::new());
		let read = fetch_feed(&base, b.key().key, |done, total| {
			seen.lock().expect("not poisoned").push((done, total))
		})
		.await
		.expect("b is served");
		assert_eq!(read.signed_tree(), b.signed_tree());
		assert_eq!(read.proof(2), b.proof(2));
		assert_eq!(seen.into_inner().expect("not poisoned"), vec![(1, 3), (2, 3), (3, 3)]);
		assert_eq!(fetch_feed(&base, a.key().key, |_, _| ()).await.expect("a").length(), 5);
		let missing = fetch_feed(&base, [9; 32], |_, _| ()).await.err().expect("not served");
		assert!(missing.to_string().contains("cannot read the signed tree"), "{missing}");
		server.abort();
	}

	/// Serves one feed's tree with another feed's blocks.
	struct Liar {
		tree: Arc<FeedServer>,
		blocks: Arc<Feed>,
	}

	impl Handler for Liar {
		async fn handle(&self, request: Request) -> Reply {
			match request.segments.last().map(String::as_str) {
				Some("tree") => self.tree.handle(request).await,
				Some(index) => match index.parse().ok().and_then(|i| self.blocks.proof(i)) {
					Some(proof) => Reply::encoded(&proof),
					None => Reply::NotFound("no such block".into()),
				},
				None => Reply::NotFound("no such route".into()),
			}
		}
	}

	#[tokio::test]
	async fn a_source_that_serves_other_blocks_is_caught_before_anything_is_published() {
		let (honest, other) = (feed(3, 4), feed(4, 4));
		let liar = Arc::new(Liar { tree: FeedServer::new(honest.clone()), blocks: other });
		let (base, server) = serving(liar).await;
		let caught = fetch_feed(&base, honest.key().key, |_, _| ()).await.err().expect("caught");
		assert!(caught.to_string().contains("is not the signed feed's"), "{caught}");
		server.abort();
	}

	#[test]
	fn feed_keys_are_64_hex_digits() {
		let key = [0xab; 32];
		assert_eq!(parse_feed_key(&hex(&key)), Some(key));
		assert_eq!(parse_feed_key(&format!("0x{}", hex(&key))), Some(key));
		assert_eq!(parse_feed_key(&hex(&key[..31])), None);
		assert_eq!(parse_feed_key("README.md"), None);
	}

	#[test]
	fn bars_fill_in_proportion() {
		assert_eq!(bar(0, 4, 8), "[--------] 0/4");
		assert_eq!(bar(2, 4, 8), "[####----] 2/4");
		assert_eq!(bar(5, 4, 8), "[########] 5/4");
		assert_eq!(bar(0, 0, 4), "[----] 0/0");
	}
}
