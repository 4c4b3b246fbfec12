//! What the `datdot` CLI does for sponsors: publish a feed and serve it until every hoster holds
//! it, show a plan's state, and read a plan's data back from its hosters.

use crate::{
	chain::{calls, Chain, ChainError},
	feed::Feed,
	identity::Identity,
	provider::hex,
	types::{Contract, FeedInput, PlanInput, PositionState},
	wire::{self, Handler, Peers, Reply, Request},
};
use datdot_primitives::{
	encoding,
	feed::{BlockProof, FeedTree},
	ContractId, PlanId, Priority, Role,
};
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

/// Serves a feed's blocks to encoders (`GET /feed/<key>/<index>?length=<n>`).
pub struct FeedServer {
	feed: Arc<Feed>,
}

impl FeedServer {
	/// A server of `feed`.
	pub fn new(feed: Arc<Feed>) -> Arc<Self> {
		Arc::new(Self { feed })
	}
}

impl Handler for FeedServer {
	async fn handle(&self, request: Request) -> Reply {
		let segments: Vec<&str> = request.segments.iter().map(String::as_str).collect();
		match (request.method.as_str(), segments.as_slice()) {
			("GET", ["ping"]) => Reply::encoded(&()),
			("GET", ["feed", key, index]) => {
				let length = request.query_param("length").and_then(|l| l.parse::<u64>().ok());
				if key.trim_start_matches("0x") != hex(&self.feed.key().key) {
					return Reply::NotFound("another feed".into());
				}
				if length != Some(self.feed.length()) {
					return Reply::NotFound(format!(
						"only length {} is served",
						self.feed.length()
					));
				}
				match index.parse::<u64>().ok().and_then(|i| self.feed.proof(i)) {
					Some(proof) => Reply::encoded(&proof),
					None => Reply::NotFound("no such block".into()),
				}
			}
			_ => Reply::NotFound("no such route".into()),
		}
	}
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
	let start = chain.best_number().await?;
	let input = PlanInput {
		feed: FeedInput { key: key.key, signer: key.signer, tree },
		ranges: vec![datdot_primitives::ChunkRange { start: 0, end: feed.length() as u32 }],
		regions: terms.regions.iter().map(|r| r.clone().into_bytes()).collect(),
		hosters: Some(terms.hosters),
		// Matching starts in the block after the one the transaction lands in.
		start: start.saturating_add(2),
		end: terms.duration.map(|d| start.saturating_add(d)),
		min_performance: datdot_primitives::Performance {
			max_latency_ms: terms.max_latency_ms,
			min_bandwidth_kbps: terms.min_bandwidth_kbps,
		},
		priority: Priority::Normal,
	};
	let events = chain.submit_with_events(me, calls::plan_subscribe(input)).await?;
	events
		.iter()
		.find_map(|(pallet, variant, fields)| {
			(pallet == "Plans" && variant == "PlanSubscribed")
				.then(|| <PlanId as codec::Decode>::decode(&mut &fields[..]).ok())
				.flatten()
		})
		.ok_or_else(|| other("the chain took the plan but sent no PlanSubscribed event"))
}

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

	#[test]
	fn bars_fill_in_proportion() {
		assert_eq!(bar(0, 4, 8), "[--------] 0/4");
		assert_eq!(bar(2, 4, 8), "[####----] 2/4");
		assert_eq!(bar(5, 4, 8), "[########] 5/4");
		assert_eq!(bar(0, 0, 4), "[----] 0/0");
	}
}
