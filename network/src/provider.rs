//! `datdot-provider`: one process serves the roles its account registered.
//!
//! - **Hoster**: takes its encoded copy from its encoder (`PUT /copy/...`), decodes and checks
//!   every block against the plan's signed tree, stores it (`store`), seals it with its
//!   signature over the commitment; answers every `ProvideProofOfStorage` naming it; serves
//!   chunks to attestors and readers, decoded blocks to encoders, and contact proofs and
//!   bandwidth probes to benchmarking attestors.
//! - **Encoder**: on `StartHosting`/`RepairHosting` naming it, fetches the contract's blocks
//!   from the sponsor (or a hoster that holds them), checks each against the signed tree, encodes
//!   them under each of its hosters' copy keys and delivers them.
//! - **Attestor**: checks each hoster's copy at setup (its signature, its commitment, and that
//!   sampled chunks are in the commitment and decode to the feed's blocks) and reports; measures
//!   hosters on `ProvidePerformanceBenchmark` (latency, bandwidth, proof of contact).
//!
//! Work is driven by the events of every new best block and, at start, by the chain's state
//! (the jobs booked to this account, its open challenges and benchmarks), so a restarted
//! provider picks up whatever it can still do. Every task reads the chain's current state
//! before acting, so a task started twice or for a stale event does nothing wrong.

use crate::{
	chain::{calls, Chain, ChainError},
	identity::Identity,
	store::{CopyInfo, Sealed, Store, StoreError, StoredChunk},
	types::{
		Benchmark, Challenge, ChunkProof, Contract, CopyConfirmation, Event, HosterSetup,
		PositionState, SetupReport, StorageProof,
	},
	wire::{self, ContactRequest, Handler, Peers, Reply, Request},
};
use codec::{Decode, Encode};
use datdot_primitives::{
	encoding,
	feed::{BlockProof, FeedTree},
	signing::{signing_payload, verify_ed25519, SETUP_TAG},
	BenchmarkId, ChallengeId, ChunkIndex, ContractId, Role,
};
use futures::{stream, StreamExt};
use hyper::Method;
use sp_core::{crypto::AccountId32, H256};
use std::{
	collections::{HashMap, HashSet},
	sync::{Arc, Mutex},
	time::{Duration, Instant},
};

/// How many chunks an encoder has in flight to one hoster.
const DELIVERY_CONCURRENCY: usize = 16;
/// How many chunks of each copy the setup attestor checks, besides the first and the last.
pub const SETUP_SAMPLES: usize = 16;
/// How many bytes a bandwidth probe transfers.
pub const BANDWIDTH_PROBE_BYTES: usize = 2 * 1024 * 1024;
/// How many round trips a latency measurement takes the median of.
const LATENCY_PROBES: usize = 5;
/// Every how many blocks the provider reads its jobs from the chain's state again.
const CATCH_UP_EVERY: u32 = 10;
/// How many blocks before the setup deadline the attestor reports whatever it has.
const SETUP_REPORT_MARGIN: u32 = 10;
/// How many answers one `proof_of_storage_response` carries (the runtime's
/// `MaxAnswersPerCall`).
const MAX_ANSWERS_PER_CALL: usize = 16;
/// The most bytes of answers one transaction carries: it fits the quarter of a 5 MiB block kept
/// for operational transactions, however full the normal transactions leave the rest. (An
/// answer larger than this goes alone.)
const MAX_ANSWER_BYTES: usize = 1024 * 1024;

/// What a provider offers, as `datdot-provider` takes it on its command line.
#[derive(Clone, Debug)]
pub struct Config {
	/// The roles to serve.
	pub roles: Vec<Role>,
	/// The account's location (geohash).
	pub location: String,
	/// The regions served; empty means the location.
	pub regions: Vec<String>,
	/// Storage offered, in bytes.
	pub storage: u64,
	/// Bandwidth offered, in kB/s.
	pub bandwidth_kbps: u32,
	/// Jobs taken at once, per role.
	pub capacity: u32,
	/// The endpoint published in the profile.
	pub endpoint: String,
}

/// Work in progress, so that an event seen twice starts one task.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
enum Task {
	Encode(ContractId),
	Setup(ContractId),
	/// Answers these challenges, in one transaction where it can.
	Answer(Vec<ChallengeId>),
	Measure(BenchmarkId),
}

/// What a hoster checks incoming chunks of one copy against.
#[derive(Clone)]
struct Target {
	info: CopyInfo,
	tree: FeedTree,
}

/// A running provider.
pub struct Provider {
	me: Identity,
	/// The node connection, replaced when it ends ([`Self::run`]).
	chain: std::sync::RwLock<Chain>,
	store: Store,
	peers: Peers,
	config: Config,
	running: Mutex<HashSet<Task>>,
	/// The challenges a task is answering: the catch-up finds them still open while their
	/// answer waits in the pool, and leaves them to that task.
	answering: Mutex<HashSet<ChallengeId>>,
	targets: Mutex<HashMap<ContractId, Target>>,
}

/// Why a provider task failed; tasks log it and are retried by the next event or restart.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
	/// The chain refused or could not be reached.
	#[error(transparent)]
	Chain(#[from] ChainError),
	/// The store failed.
	#[error(transparent)]
	Store(#[from] StoreError),
	/// A peer failed.
	#[error(transparent)]
	Wire(#[from] wire::WireError),
	/// Anything else, said in words.
	#[error("{0}")]
	Other(String),
}

fn other(message: impl Into<String>) -> ProviderError {
	ProviderError::Other(message.into())
}

impl Provider {
	/// A provider for `me` on `chain`, keeping copies in `store`.
	pub fn new(me: Identity, chain: Chain, store: Store, config: Config) -> Arc<Self> {
		Arc::new(Self {
			me,
			chain: std::sync::RwLock::new(chain),
			store,
			peers: Peers::default(),
			config,
			running: Mutex::new(HashSet::new()),
			answering: Mutex::new(HashSet::new()),
			targets: Mutex::new(HashMap::new()),
		})
	}

	/// The account.
	pub fn account(&self) -> &AccountId32 {
		self.me.account()
	}

	/// Creates or updates the account's profile and registers the configured roles that are
	/// not registered yet; ties the attestor key if the account has none, and gives the node
	/// the tied key again otherwise.
	pub async fn register(&self) -> Result<(), ProviderError> {
		let me = self.me.account();
		let profile = calls::Profile {
			signing_key: self.me.signing_key(),
			key_proof: self.me.key_proof(),
			noise_key: self.me.signing_key(),
			location: self.config.location.clone().into_bytes(),
			endpoint: Some(self.config.endpoint.clone().into_bytes()),
		};
		match self.chain().account(me).await? {
			None => self.chain().submit(&self.me, calls::account_create(profile)).await?,
			Some(account) => {
				let current = account.endpoint.as_ref().map(|e| e.to_vec());
				let location_differs =
					account.location.as_bytes() != self.config.location.as_bytes();
				if current != profile.endpoint
					|| location_differs
					|| account.signing_key != profile.signing_key
				{
					self.chain().submit(&self.me, calls::account_update(profile)).await?;
				}
			}
		}
		for role in &self.config.roles {
			if self.chain().provider(me, *role).await?.is_some() {
				continue;
			}
			let form = calls::Form {
				regions: self.config.regions.iter().map(|r| r.clone().into_bytes()).collect(),
				storage: self.config.storage,
				bandwidth_kbps: self.config.bandwidth_kbps,
				capacity: self.config.capacity,
				available_from: 0,
				available_until: None,
			};
			self.chain().submit(&self.me, calls::roles_register(*role, form)).await?;
			tracing::info!("registered as {role:?}");
		}
		if self.config.roles.contains(&Role::Attestor) {
			let key = self.me.attestor_key();
			match self.chain().attestor_key(me).await? {
				None => {
					self.chain().insert_attestor_key(&self.me).await?;
					self.chain()
						.submit(
							&self.me,
							calls::roles_set_attestor_key(key, self.me.attestor_key_proof()),
						)
						.await?;
					tracing::info!("tied attestor key 0x{}", hex(&key));
				}
				// A node that restarted may have lost its keystore: put the key back (the same key
				// again changes nothing).
				Some(tied) if tied == key => {
					if let Err(e) = self.chain().insert_attestor_key(&self.me).await {
						tracing::warn!(
							"could not give the node the attestor key ({e}): unless it holds it already, its off-chain worker cannot vote (docs/OPERATORS.md)"
						);
					}
				}
				Some(tied) => tracing::warn!(
					"the account's attestor key 0x{} is not <suri>//attestor: the node must hold it (docs/OPERATORS.md)",
					hex(&tied)
				),
			}
		}
		Ok(())
	}

	/// The current node connection.
	fn chain(&self) -> Chain {
		self.chain.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
	}

	/// Serves peers on `listener` and does the roles' work. When the node connection ends (a
	/// node restart, a network cut), connects again, once a second for as long as it takes,
	/// registers again and carries on: copies are on disk and jobs are read back from the
	/// chain. Returns only if the node now serves another chain.
	pub async fn run(
		self: Arc<Self>,
		listener: tokio::net::TcpListener,
	) -> Result<(), ProviderError> {
		let server = tokio::spawn(wire::serve(listener, self.clone()));
		let genesis = self.chain().genesis();
		loop {
			if let Err(e) = self.follow().await {
				tracing::warn!("following the chain: {e}; connecting again");
			}
			let url = self.chain().url().to_owned();
			let chain = loop {
				match Chain::connect(&url).await {
					Ok(chain) => break chain,
					Err(e) => {
						tracing::info!("waiting for the node at {url}: {e}");
						tokio::time::sleep(std::time::Duration::from_secs(1)).await;
					}
				}
			};
			if chain.genesis() != genesis {
				server.abort();
				return Err(other(format!(
					"the node at {url} now serves another chain (genesis {:?}, was {genesis:?}): start with a new --data",
					chain.genesis()
				)));
			}
			*self.chain.write().unwrap_or_else(std::sync::PoisonError::into_inner) = chain;
			tracing::info!("connected to {url} again");
			if let Err(e) = self.register().await {
				tracing::warn!("registering again: {e}");
			}
		}
	}

	/// Acts on every best block until the block subscription ends.
	async fn follow(self: &Arc<Self>) -> Result<(), ProviderError> {
		let mut blocks = self.chain().blocks().await?;
		self.catch_up().await;
		while let Some(block) = blocks.recv().await {
			let block = match block {
				Ok(block) => block,
				Err(e) => {
					tracing::warn!("reading a block: {e}");
					continue;
				}
			};
			for event in block.events {
				self.on_event(event);
			}
			// Whatever an event missed (a reorganisation, a failed task) is found again here.
			if block.number % CATCH_UP_EVERY == 0 {
				self.catch_up().await;
			}
		}
		Err(other("the chain's block subscription ended"))
	}

	/// Starts whatever the chain's state says this account must do now.
	async fn catch_up(self: &Arc<Self>) {
		if let Err(e) = self.try_catch_up().await {
			tracing::warn!("reading this account's jobs: {e}");
		}
	}

	async fn try_catch_up(self: &Arc<Self>) -> Result<(), ProviderError> {
		let me = self.me.account().clone();
		let jobs = self.chain().provider_jobs(&me).await?;
		let hosted: HashSet<ContractId> =
			jobs.iter().filter(|(role, _)| *role == Role::Hoster).map(|(_, c)| *c).collect();
		for (role, contract) in &jobs {
			match role {
				Role::Encoder => self.spawn(Task::Encode(*contract)),
				Role::Attestor => self.spawn(Task::Setup(*contract)),
				Role::Hoster => {}
			}
		}
		let mine: Vec<ChallengeId> = self
			.chain()
			.challenges()
			.await?
			.into_iter()
			.filter(|(_, challenge)| challenge.hoster == me)
			.map(|(id, _)| id)
			.collect();
		if !mine.is_empty() {
			self.spawn(Task::Answer(mine));
		}
		for (id, benchmark) in self.chain().benchmarks().await? {
			if benchmark.attestor == me {
				self.spawn(Task::Measure(id));
			}
		}
		// Copies of contracts this account no longer hosts.
		for contract in self.store.contracts()? {
			if !hosted.contains(&contract) {
				tracing::info!("dropping the copy of contract {contract}: no longer hosted here");
				self.store.remove(contract)?;
			}
		}
		Ok(())
	}

	fn on_event(self: &Arc<Self>, event: Event) {
		let me = self.me.account();
		match event {
			Event::StartHosting(e) => {
				if e.encoders.contains(me) {
					self.spawn(Task::Encode(e.contract));
				}
				if &e.attestor == me {
					self.spawn(Task::Setup(e.contract));
				}
			}
			Event::RepairHosting(e) => {
				let named = e
					.repairs
					.iter()
					.any(|r| r.role == Role::Encoder && r.replacement.as_ref() == Some(me));
				if named {
					self.spawn(Task::Encode(e.contract));
				}
				if e.attestor.as_ref() == Some(me) {
					self.spawn(Task::Setup(e.contract));
				}
				let left = e
					.repairs
					.iter()
					.any(|r| r.role == Role::Hoster && r.previous.as_ref() == Some(me));
				if left {
					self.forget(e.contract);
				}
			}
			Event::EndHosting(e) => self.forget(e.contract),
			Event::HostingActive(_) => {}
			Event::ProvideProofOfStorage(e) => {
				let mine: Vec<ChallengeId> =
					e.challenges.iter().filter(|c| &c.hoster == me).map(|c| c.challenge).collect();
				if !mine.is_empty() {
					self.spawn(Task::Answer(mine));
				}
			}
			Event::ProvidePerformanceBenchmark(e) => {
				for assigned in e.benchmarks.iter().filter(|b| &b.attestor == me) {
					self.spawn(Task::Measure(assigned.benchmark));
				}
			}
			Event::ProofAccepted(e) if &e.hoster == me => {
				tracing::debug!("contract {}: challenge {} accepted", e.contract, e.challenge);
			}
			Event::ProofMissed(e) if &e.hoster == me => tracing::warn!(
				"contract {}: challenge {} missed ({} in a row)",
				e.contract,
				e.challenge,
				e.consecutive_failures
			),
			Event::ProofAccepted(_) | Event::ProofMissed(_) => {}
		}
	}

	/// Drops this hoster's copy of `contract`.
	fn forget(&self, contract: ContractId) {
		self.targets.lock().expect("not poisoned").remove(&contract);
		if let Ok(Some(_)) = self.store.info(contract) {
			tracing::info!("contract {contract}: no longer hosted here, dropping its copy");
			if let Err(e) = self.store.remove(contract) {
				tracing::warn!("dropping the copy of contract {contract}: {e}");
			}
		}
	}

	fn spawn(self: &Arc<Self>, task: Task) {
		if !self.running.lock().expect("not poisoned").insert(task.clone()) {
			return;
		}
		let this = self.clone();
		tokio::spawn(async move {
			let result = match &task {
				Task::Encode(contract) => this.encode(*contract).await,
				Task::Setup(contract) => this.check_setup(*contract).await,
				Task::Answer(challenges) => this.answer(challenges.clone()).await,
				Task::Measure(benchmark) => this.measure(*benchmark).await,
			};
			if let Err(e) = result {
				tracing::warn!("{task:?}: {e}");
			}
			this.running.lock().expect("not poisoned").remove(&task);
		});
	}

	/// The copy key of `hoster`'s position in `contract`.
	fn copy_key(&self, contract: ContractId, hoster: &AccountId32, seed: &H256) -> [u8; 32] {
		encoding::copy_key(self.chain().genesis().as_ref(), contract, hoster, seed)
	}

	/// The signed tree of `contract`'s plan, as the chain holds it.
	async fn tree_of(
		&self,
		contract: &Contract,
	) -> Result<(crate::types::Plan, FeedTree), ProviderError> {
		let plan =
			self.chain().plan(contract.plan).await?.ok_or_else(|| other("the plan is gone"))?;
		let roots = self
			.chain()
			.feed_roots(contract.plan)
			.await?
			.ok_or_else(|| other("the plan's feed tree is gone"))?;
		let tree = plan.feed.tree(&roots);
		Ok((plan, tree))
	}

	// --- encoder ---

	/// Encodes and delivers the copy of every hoster of `contract` this account encodes for.
	async fn encode(&self, id: ContractId) -> Result<(), ProviderError> {
		let Some(contract) = self.chain().contract(id).await? else { return Ok(()) };
		let me = self.me.account();
		let mine: Vec<(AccountId32, H256)> = contract
			.positions
			.iter()
			.filter(|p| p.state == PositionState::SettingUp && p.encoder.as_ref() == Some(me))
			.filter_map(|p| p.hoster.clone().map(|h| (h, p.seed)))
			.collect();
		if mine.is_empty() {
			return Ok(());
		}
		let (plan, tree) = self.tree_of(&contract).await?;
		let started = Instant::now();
		let sources = self.block_sources(&contract, &plan).await;
		let range = contract.range;
		// Blocks are fetched once and checked against the signed tree before any encoding.
		let mut blocks: Vec<BlockProof> = Vec::with_capacity(range.len() as usize);
		let fetched: Vec<Result<BlockProof, ProviderError>> = stream::iter(range.start..range.end)
			.map(|index| self.fetch_block(&sources, &plan.feed.key, &tree, index))
			.buffered(DELIVERY_CONCURRENCY)
			.collect()
			.await;
		for block in fetched {
			blocks.push(block?);
		}
		tracing::info!(
			"contract {id}: fetched {} blocks in {:?}, encoding for {} hosters",
			blocks.len(),
			started.elapsed(),
			mine.len()
		);
		for (hoster, seed) in mine {
			let key = self.copy_key(id, &hoster, &seed);
			let base = self.endpoint_of(&hoster).await?;
			let missing: Vec<ChunkIndex> =
				match self.peers.get(&base, &format!("/copy/{id}/missing")).await {
					Ok(missing) => missing,
					Err(e) if e.is_not_found() => (range.start..range.end).collect(),
					Err(e) => return Err(e.into()),
				};
			let delivered: Vec<Result<(), ProviderError>> = stream::iter(missing)
				.map(|index| {
					let proof = &blocks[(index - range.start) as usize];
					let chunk = StoredChunk {
						encoded: encoding::encode_block(&key, index as u64, &proof.value),
						nodes: proof.nodes.clone(),
					};
					let base = base.clone();
					async move {
						let path = format!("/copy/{id}/{index}");
						self.peers.send::<_, ()>(Method::PUT, &base, &path, &chunk).await?;
						Ok(())
					}
				})
				.buffer_unordered(DELIVERY_CONCURRENCY)
				.collect()
				.await;
			for result in delivered {
				result?;
			}
			tracing::info!(
				"contract {id}: delivered {hoster}'s copy after {:?}",
				started.elapsed()
			);
		}
		Ok(())
	}

	/// Where `contract`'s blocks can be fetched: the sponsor, then hosters that hold a copy.
	async fn block_sources(&self, contract: &Contract, plan: &crate::types::Plan) -> Vec<String> {
		let mut sources = Vec::new();
		if let Ok(base) = self.endpoint_of(&plan.sponsor).await {
			sources.push(base);
		}
		for position in &contract.positions {
			if position.state != PositionState::Hosted {
				continue;
			}
			if let Some(hoster) = &position.hoster {
				if let Ok(base) = self.endpoint_of(hoster).await {
					sources.push(base);
				}
			}
		}
		sources
	}

	/// Block `index` from the first source that gives one the signed tree proves.
	async fn fetch_block(
		&self,
		sources: &[String],
		feed: &[u8; 32],
		tree: &FeedTree,
		index: ChunkIndex,
	) -> Result<BlockProof, ProviderError> {
		let path = format!("/feed/{}/{index}?length={}", hex(feed), tree.length);
		let mut failures = Vec::new();
		for base in sources {
			match self.peers.get::<BlockProof>(base, &path).await {
				Ok(proof) if proof.index == index as u64 => match tree.verify(&proof) {
					Ok(()) => return Ok(proof),
					Err(e) => failures.push(format!("{base}: {e:?}")),
				},
				Ok(_) => failures.push(format!("{base}: another block")),
				Err(e) => failures.push(e.to_string()),
			}
		}
		Err(other(format!("no source gave block {index}: [{}]", failures.join("; "))))
	}

	/// The base URL of `who`'s endpoint.
	async fn endpoint_of(&self, who: &AccountId32) -> Result<String, ProviderError> {
		let account = self
			.chain()
			.account(who)
			.await?
			.ok_or_else(|| other(format!("{who} has no account")))?;
		let endpoint =
			account.endpoint.ok_or_else(|| other(format!("{who} publishes no endpoint")))?;
		Ok(wire::base_url(&endpoint)?)
	}

	// --- hoster ---

	/// What chunks of `contract` must be checked against, for this hoster.
	async fn target(&self, id: ContractId) -> Result<Target, ProviderError> {
		if let Some(target) = self.targets.lock().expect("not poisoned").get(&id) {
			return Ok(target.clone());
		}
		let contract = self.chain().contract(id).await?.ok_or_else(|| other("no such contract"))?;
		let me = self.me.account();
		let position = contract
			.positions
			.iter()
			.find(|p| p.hoster.as_ref() == Some(me) && p.state != PositionState::Vacant)
			.ok_or_else(|| other(format!("{me} hosts nothing in contract {id}")))?;
		let (plan, tree) = self.tree_of(&contract).await?;
		let info = CopyInfo {
			contract: id,
			plan: contract.plan,
			feed: plan.feed.key,
			range: contract.range,
			key: self.copy_key(id, me, &position.seed),
			length: tree.length,
			fork: tree.fork,
		};
		self.store.begin(&info)?;
		let target = Target { info, tree };
		self.targets.lock().expect("not poisoned").insert(id, target.clone());
		Ok(target)
	}

	/// Checks and stores an incoming chunk; seals the copy once complete.
	async fn receive(
		&self,
		id: ContractId,
		index: ChunkIndex,
		body: &[u8],
	) -> Result<(), ProviderError> {
		let chunk =
			StoredChunk::decode(&mut &body[..]).map_err(|e| other(format!("bad chunk: {e}")))?;
		let target = self.target(id).await?;
		let info = &target.info;
		if index < info.range.start || index >= info.range.end {
			return Err(other(format!("chunk {index} is outside contract {id}")));
		}
		let proof = BlockProof {
			fork: info.fork,
			index: index as u64,
			value: encoding::decode_block(&info.key, index as u64, &chunk.encoded),
			nodes: chunk.nodes.clone(),
		};
		target.tree.verify(&proof).map_err(|e| {
			other(format!("chunk {index} does not decode to the feed's block: {e:?}"))
		})?;
		let store = self.store.clone();
		let me = self.me.clone();
		tokio::task::spawn_blocking(move || -> Result<(), StoreError> {
			store.put_chunk(id, index, &chunk)?;
			if store.missing(id)?.is_empty() && store.sealed(id)?.is_none() {
				let sealed = store.seal(id, |info, commitment| {
					me.setup_signature(id, info.feed, info.range, commitment)
				})?;
				tracing::info!("contract {id}: copy complete, commitment {:?}", sealed.commitment);
			}
			Ok(())
		})
		.await
		.map_err(|e| other(e.to_string()))??;
		Ok(())
	}

	/// Chunk `index` of the sealed copy of `contract` with its path in the commitment.
	fn chunk_proof(
		&self,
		id: ContractId,
		index: ChunkIndex,
	) -> Result<(ChunkProof, CopyInfo), ProviderError> {
		let info = self.store.info(id)?.ok_or(StoreError::UnknownCopy(id))?;
		let sealed: Sealed =
			self.store.sealed(id)?.ok_or(StoreError::Incomplete { contract: id, missing: 0 })?;
		let stored = self
			.store
			.chunk(id, index)?
			.ok_or(StoreError::Incomplete { contract: id, missing: 1 })?;
		let copy_path = encoding::commitment_path(&sealed.leaves, index - info.range.start)
			.ok_or(StoreError::OutOfRange { contract: id, chunk: index })?;
		Ok((ChunkProof { encoded: stored.encoded, copy_path, nodes: stored.nodes }, info))
	}

	/// Answers challenges `ids` from the stored copies, those no other task is answering: up to
	/// `MAX_ANSWERS_PER_CALL` answers and `MAX_ANSWER_BYTES` in one transaction. When a
	/// transaction is refused (one answer of it came too late, say), its answers are sent one by
	/// one, so the others still count.
	async fn answer(&self, ids: Vec<ChallengeId>) -> Result<(), ProviderError> {
		let ids: Vec<ChallengeId> = {
			let mut answering = self.answering.lock().expect("not poisoned");
			ids.into_iter().filter(|id| answering.insert(*id)).collect()
		};
		let result = self.answer_claimed(&ids).await;
		let mut answering = self.answering.lock().expect("not poisoned");
		for id in &ids {
			answering.remove(id);
		}
		result
	}

	async fn answer_claimed(&self, ids: &[ChallengeId]) -> Result<(), ProviderError> {
		let mut proofs = Vec::with_capacity(ids.len());
		for &id in ids {
			let Some(challenge) = self.chain().challenge(id).await? else { continue };
			if &challenge.hoster != self.me.account() {
				continue;
			}
			match self.storage_proof(id, &challenge) {
				Ok(proof) => proofs.push((challenge.contract, proof)),
				Err(e) => tracing::warn!("challenge {id} of contract {}: {e}", challenge.contract),
			}
		}
		for batch in answer_batches(&proofs) {
			let call =
				calls::proof_of_storage_response(batch.iter().map(|p| p.1.clone()).collect());
			let result = self.chain().submit(&self.me, call).await;
			match result {
				Ok(()) => {
					for (contract, proof) in batch {
						tracing::info!(
							"challenge {} of contract {contract}: answered ({} chunks)",
							proof.challenge,
							proof.chunks.len()
						);
					}
				}
				Err(e) if batch.len() > 1 => {
					tracing::warn!(
						"{} answers together: {e}; sending them one by one",
						batch.len()
					);
					for (contract, proof) in batch {
						let call = calls::proof_of_storage_response(vec![proof.clone()]);
						match self.chain().submit(&self.me, call).await {
							Ok(()) => tracing::info!(
								"challenge {} of contract {contract}: answered",
								proof.challenge
							),
							Err(e) => tracing::warn!(
								"challenge {} of contract {contract}: {e}",
								proof.challenge
							),
						}
					}
				}
				Err(e) => return Err(e.into()),
			}
		}
		Ok(())
	}

	/// The answer to challenge `id` from the stored copy.
	fn storage_proof(
		&self,
		id: ChallengeId,
		challenge: &Challenge,
	) -> Result<StorageProof, ProviderError> {
		let mut answers = Vec::with_capacity(challenge.chunks.len());
		let mut copy = None;
		for index in challenge.chunks.iter() {
			let (answer, info) = self.chunk_proof(challenge.contract, *index)?;
			answers.push(answer);
			copy = Some(info);
		}
		let info = copy.ok_or_else(|| other("a challenge of no chunks"))?;
		Ok(StorageProof { challenge: id, length: info.length, fork: info.fork, chunks: answers })
	}

	/// Serves block `index` of feed `key` from a sealed copy made at `length`.
	fn feed_block(
		&self,
		key: &[u8; 32],
		index: u64,
		length: u64,
	) -> Result<Option<BlockProof>, ProviderError> {
		for contract in self.store.contracts()? {
			let Some(info) = self.store.info(contract)? else { continue };
			let inside = index >= info.range.start as u64 && index < info.range.end as u64;
			if &info.feed != key || info.length != length || !inside {
				continue;
			}
			if self.store.sealed(contract)?.is_none() {
				continue;
			}
			if let Some(stored) = self.store.chunk(contract, index as ChunkIndex)? {
				let value = encoding::decode_block(&info.key, index, &stored.encoded);
				return Ok(Some(BlockProof { fork: info.fork, index, value, nodes: stored.nodes }));
			}
		}
		Ok(None)
	}

	/// The contact signature for a benchmark the chain says this hoster is measured in.
	async fn contact(&self, request: &ContactRequest) -> Result<[u8; 64], ProviderError> {
		let benchmark = self
			.chain()
			.benchmark(request.benchmark)
			.await?
			.ok_or_else(|| other("no such open benchmark"))?;
		let me = self.me.account();
		if benchmark.attestor != request.attestor
			|| benchmark.contract != request.contract
			|| !benchmark.hosters.contains(me)
		{
			return Err(other("the benchmark names another attestor, contract or hoster set"));
		}
		Ok(self.me.contact_signature(request.benchmark, request.contract, &request.attestor))
	}

	// --- attestor ---

	/// Checks every copy being set up in `contract` and reports, once all are decided or the
	/// setup deadline nears.
	async fn check_setup(&self, id: ContractId) -> Result<(), ProviderError> {
		let timeout = self.chain().constant_u32("Hosting", "SetupTimeout").await?;
		let started = self.chain().best_number().await?;
		let deadline = started.saturating_add(timeout.saturating_sub(SETUP_REPORT_MARGIN));
		let mut decided: HashMap<AccountId32, Option<CopyConfirmation>> = HashMap::new();
		loop {
			let Some(contract) = self.chain().contract(id).await? else { return Ok(()) };
			if contract.attestor.as_ref() != Some(self.me.account()) {
				return Ok(());
			}
			let pending: Vec<(AccountId32, H256)> = contract
				.positions
				.iter()
				.filter(|p| p.state == PositionState::SettingUp)
				.filter_map(|p| p.hoster.clone().map(|h| (h, p.seed)))
				.collect();
			if pending.is_empty() {
				return Ok(());
			}
			let (plan, tree) = self.tree_of(&contract).await?;
			for (hoster, seed) in &pending {
				if decided.contains_key(hoster) {
					continue;
				}
				match self.check_copy(id, &contract, &plan, &tree, hoster, seed).await {
					Ok(Some(confirmation)) => {
						decided.insert(hoster.clone(), Some(confirmation));
					}
					Ok(None) => {}
					Err(e) => {
						tracing::warn!("contract {id}: {hoster}'s copy fails: {e}");
						decided.insert(hoster.clone(), None);
					}
				}
			}
			let now = self.chain().best_number().await?;
			let all = pending.iter().all(|(h, _)| decided.contains_key(h));
			if all || now >= deadline {
				let results = pending
					.iter()
					.map(|(hoster, _)| HosterSetup {
						hoster: hoster.clone(),
						copy: decided.get(hoster).cloned().flatten(),
					})
					.collect();
				let report = SetupReport { contract: id, results };
				self.chain().submit(&self.me, calls::hosting_setup_report(report)).await?;
				let good = decided.values().filter(|c| c.is_some()).count();
				tracing::info!(
					"contract {id}: setup reported, {good} of {} copies good",
					pending.len()
				);
				return Ok(());
			}
			tokio::time::sleep(Duration::from_millis(500)).await;
		}
	}

	/// Whether `hoster`'s copy is ready (`None`: not yet) and good (an error says why not).
	async fn check_copy(
		&self,
		id: ContractId,
		contract: &Contract,
		plan: &crate::types::Plan,
		tree: &FeedTree,
		hoster: &AccountId32,
		seed: &H256,
	) -> Result<Option<CopyConfirmation>, ProviderError> {
		let base = self.endpoint_of(hoster).await?;
		let confirmation: CopyConfirmation =
			match self.peers.get(&base, &format!("/copy/{id}/confirmation")).await {
				Ok(confirmation) => confirmation,
				Err(e) if e.is_not_yet() || e.is_not_found() => return Ok(None),
				Err(e) => return Err(e.into()),
			};
		let account = self.chain().account(hoster).await?.ok_or_else(|| other("no account"))?;
		let message = signing_payload(
			SETUP_TAG,
			self.chain().genesis().as_ref(),
			(id, hoster, plan.feed.key, contract.range, &confirmation.commitment),
		);
		if !verify_ed25519(&message, &confirmation.signature, &account.signing_key) {
			return Err(other("the setup signature does not verify"));
		}
		let key = self.copy_key(id, hoster, seed);
		for index in sample(
			contract.range.start,
			contract.range.end,
			SETUP_SAMPLES,
			&confirmation.commitment,
		) {
			let proof: ChunkProof = self.peers.get(&base, &format!("/copy/{id}/{index}")).await?;
			if !encoding::in_commitment(
				&confirmation.commitment,
				contract.range,
				index,
				&proof.encoded,
				&proof.copy_path,
			) {
				return Err(other(format!("chunk {index} is not in the commitment")));
			}
			let block = BlockProof {
				fork: tree.fork,
				index: index as u64,
				value: encoding::decode_block(&key, index as u64, &proof.encoded),
				nodes: proof.nodes,
			};
			tree.verify(&block).map_err(|e| {
				other(format!("chunk {index} does not decode to the feed's block: {e:?}"))
			})?;
		}
		Ok(Some(confirmation))
	}

	/// Measures the hosters of benchmark `id` and reports.
	async fn measure(&self, id: BenchmarkId) -> Result<(), ProviderError> {
		let Some(benchmark) = self.chain().benchmark(id).await? else { return Ok(()) };
		if &benchmark.attestor != self.me.account() {
			return Ok(());
		}
		let mut measurements = Vec::new();
		for hoster in benchmark.hosters.iter() {
			measurements.push(self.measure_hoster(id, &benchmark, hoster).await?);
		}
		let report = calls::BenchmarkReport { benchmark: id, measurements };
		self.chain().submit(&self.me, calls::performance_benchmark_response(report)).await?;
		tracing::info!("benchmark {id} of contract {}: reported", benchmark.contract);
		Ok(())
	}

	async fn measure_hoster(
		&self,
		id: BenchmarkId,
		benchmark: &Benchmark,
		hoster: &AccountId32,
	) -> Result<calls::Measurement, ProviderError> {
		let base = self.endpoint_of(hoster).await?;
		let request = ContactRequest {
			benchmark: id,
			contract: benchmark.contract,
			attestor: self.me.account().clone(),
		};
		let signature: [u8; 64] =
			self.peers.send(Method::POST, &base, "/contact", &request).await?;
		let mut rtts = Vec::with_capacity(LATENCY_PROBES);
		for _ in 0..LATENCY_PROBES {
			let start = Instant::now();
			self.peers.request(Method::GET, &base, "/ping", Vec::new()).await?;
			rtts.push(start.elapsed());
		}
		rtts.sort();
		let start = Instant::now();
		let body = self
			.peers
			.request(Method::GET, &base, &format!("/bandwidth/{BANDWIDTH_PROBE_BYTES}"), Vec::new())
			.await?;
		let elapsed = start.elapsed().max(Duration::from_micros(1));
		if body.len() != BANDWIDTH_PROBE_BYTES {
			return Err(other(format!(
				"{hoster} sent {} bytes of {BANDWIDTH_PROBE_BYTES}",
				body.len()
			)));
		}
		Ok(calls::Measurement {
			hoster: hoster.clone(),
			latency_ms: measured_latency_ms(rtts[rtts.len() / 2]),
			bandwidth_kbps: measured_kbps(body.len(), elapsed),
			proof_of_contact: signature,
		})
	}
}

/// A latency in whole milliseconds, at least 1: a loopback round trip takes less than a
/// millisecond, and no real network takes none.
pub fn measured_latency_ms(rtt: Duration) -> u32 {
	u32::try_from(rtt.as_millis()).unwrap_or(u32::MAX).max(1)
}

/// A transfer rate in kB/s.
pub fn measured_kbps(bytes: usize, elapsed: Duration) -> u32 {
	let kbps = bytes as f64 / 1000.0 / elapsed.as_secs_f64().max(1e-6);
	kbps.min(u32::MAX as f64) as u32
}

/// The chunks of `start..end` a setup attestor checks: the first, the last and `count` more
/// drawn from `seed` (the hoster's commitment, which it fixed before the draw).
pub fn sample(start: ChunkIndex, end: ChunkIndex, count: usize, seed: &H256) -> Vec<ChunkIndex> {
	let len = end.saturating_sub(start);
	if len == 0 {
		return Vec::new();
	}
	let mut picked = vec![start, end - 1];
	for n in 0..count as u32 {
		let draw = sp_io::hashing::blake2_256(&(seed, n).encode());
		let value = u32::from_le_bytes([draw[0], draw[1], draw[2], draw[3]]);
		picked.push(start + value % len);
	}
	picked.sort_unstable();
	picked.dedup();
	picked
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses lower- or upper-case hex of exactly `N` bytes.
pub fn parse_hex<const N: usize>(text: &str) -> Option<[u8; N]> {
	let text = text.strip_prefix("0x").unwrap_or(text);
	if text.len() != N * 2 {
		return None;
	}
	let mut out = [0u8; N];
	for (i, byte) in out.iter_mut().enumerate() {
		*byte = u8::from_str_radix(text.get(i * 2..i * 2 + 2)?, 16).ok()?;
	}
	Some(out)
}

impl Handler for Provider {
	async fn handle(&self, request: Request) -> Reply {
		let segments: Vec<&str> = request.segments.iter().map(String::as_str).collect();
		let result = match (request.method.as_str(), segments.as_slice()) {
			("GET", ["ping"]) => Ok(Reply::encoded(self.me.account())),
			("GET", ["bandwidth", bytes]) => match bytes.parse::<usize>() {
				Ok(n) if n <= wire::MAX_BODY / 2 => Ok(Reply::Ok(vec![0x5a; n])),
				_ => Ok(Reply::Refused("a probe of at most 8 MiB".into())),
			},
			("POST", ["contact"]) => match ContactRequest::decode(&mut &request.body[..]) {
				Ok(contact) => self.contact(&contact).await.map(|s| Reply::encoded(&s)),
				Err(e) => Ok(Reply::Refused(format!("bad contact request: {e}"))),
			},
			("GET", ["feed", key, index]) => {
				let length = request.query_param("length").and_then(|l| l.parse::<u64>().ok());
				match (parse_hex::<32>(key), index.parse::<u64>(), length) {
					(Some(key), Ok(index), Some(length)) => {
						self.feed_block(&key, index, length).map(|b| match b {
							Some(block) => Reply::encoded(&block),
							None => Reply::NotFound("no such block here".into()),
						})
					}
					_ => Ok(Reply::Refused("expected /feed/<key>/<index>?length=<n>".into())),
				}
			}
			(method, ["copy", contract, what]) => match contract.parse::<ContractId>() {
				Err(_) => Ok(Reply::Refused("bad contract id".into())),
				Ok(contract) => self.copy_request(method, contract, what, &request.body).await,
			},
			_ => Ok(Reply::NotFound("no such route".into())),
		};
		result.unwrap_or_else(|e| match e {
			ProviderError::Store(StoreError::UnknownCopy(_)) => Reply::NotFound(e.to_string()),
			ProviderError::Store(StoreError::Incomplete { .. }) => Reply::NotYet(e.to_string()),
			e => Reply::Refused(e.to_string()),
		})
	}
}

impl Provider {
	async fn copy_request(
		&self,
		method: &str,
		contract: ContractId,
		what: &str,
		body: &[u8],
	) -> Result<Reply, ProviderError> {
		match (method, what) {
			("GET", "missing") => Ok(Reply::encoded(&self.store.missing(contract)?)),
			("GET", "confirmation") => match self.store.sealed(contract)? {
				Some(sealed) => Ok(Reply::encoded(&CopyConfirmation {
					commitment: sealed.commitment,
					signature: sealed.signature,
				})),
				None => {
					Ok(Reply::NotYet(format!("the copy of contract {contract} is not complete")))
				}
			},
			("GET", index) => match index.parse::<ChunkIndex>() {
				Ok(index) => {
					self.chunk_proof(contract, index).map(|(proof, _)| Reply::encoded(&proof))
				}
				Err(_) => Ok(Reply::Refused("bad chunk index".into())),
			},
			("PUT", index) => match index.parse::<ChunkIndex>() {
				Ok(index) => {
					self.receive(contract, index, body).await.map(|()| Reply::encoded(&()))
				}
				Err(_) => Ok(Reply::Refused("bad chunk index".into())),
			},
			_ => Ok(Reply::NotFound("no such route".into())),
		}
	}
}

/// `answers` split into transactions in order: each of at most `MAX_ANSWERS_PER_CALL` answers
/// and `MAX_ANSWER_BYTES` encoded bytes, except that an answer larger than that goes alone.
fn answer_batches<C>(answers: &[(C, StorageProof)]) -> Vec<&[(C, StorageProof)]> {
	let mut batches = Vec::new();
	let (mut start, mut bytes) = (0, 0);
	for (i, (_, proof)) in answers.iter().enumerate() {
		let size = proof.encoded_size();
		if i > start && (i - start == MAX_ANSWERS_PER_CALL || bytes + size > MAX_ANSWER_BYTES) {
			batches.push(&answers[start..i]);
			(start, bytes) = (i, 0);
		}
		bytes += size;
	}
	if start < answers.len() {
		batches.push(&answers[start..]);
	}
	batches
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn samples_cover_the_ends_and_stay_in_range() {
		let seed = H256::repeat_byte(4);
		let picked = sample(10, 1000, 16, &seed);
		assert_eq!(picked.first(), Some(&10));
		assert_eq!(picked.last(), Some(&999));
		assert!(picked.len() >= 3 && picked.len() <= 18);
		assert!(picked.windows(2).all(|w| w[0] < w[1]));
		assert_ne!(picked, sample(10, 1000, 16, &H256::repeat_byte(5)));
		assert_eq!(sample(5, 6, 16, &seed), vec![5]);
		assert!(sample(5, 5, 16, &seed).is_empty());
	}

	#[test]
	fn measurements_are_whole_and_plausible() {
		assert_eq!(measured_latency_ms(Duration::from_micros(300)), 1);
		assert_eq!(measured_latency_ms(Duration::from_millis(42)), 42);
		assert_eq!(measured_kbps(2_000_000, Duration::from_secs(2)), 1000);
		assert_eq!(hex(&[0, 255, 16]), "00ff10");
		assert_eq!(parse_hex::<3>("0x00ff10"), Some([0, 255, 16]));
		assert_eq!(parse_hex::<3>("00ff1"), None);
		assert_eq!(parse_hex::<2>("zz00"), None);
	}

	/// An answer of `chunks` chunks of `size` bytes each.
	fn proof(challenge: ChallengeId, chunks: usize, size: usize) -> (ContractId, StorageProof) {
		let chunk = ChunkProof { encoded: vec![7; size], copy_path: vec![], nodes: vec![] };
		(0, StorageProof { challenge, length: 1, fork: 0, chunks: vec![chunk; chunks] })
	}

	#[test]
	fn answers_are_batched_by_count_and_by_bytes() {
		let lengths = |answers: &[(ContractId, StorageProof)]| -> Vec<usize> {
			answer_batches(answers).iter().map(|batch| batch.len()).collect()
		};
		// Small answers: MAX_ANSWERS_PER_CALL to a transaction.
		let small: Vec<_> = (0..40).map(|i| proof(i, 4, 1024)).collect();
		assert_eq!(lengths(&small), vec![16, 16, 8]);
		// Answers of four 64 KiB chunks: as many as fit in MAX_ANSWER_BYTES.
		let large: Vec<_> = (0..10).map(|i| proof(i, 4, 64 * 1024)).collect();
		let batches = answer_batches(&large);
		assert_eq!(lengths(&large), vec![3, 3, 3, 1]);
		for batch in &batches {
			let bytes: usize = batch.iter().map(|(_, p)| p.encoded_size()).sum();
			assert!(bytes <= MAX_ANSWER_BYTES, "{bytes} bytes in one transaction");
		}
		// One answer over the limit goes alone, the order is kept, nothing is lost.
		let mixed = vec![proof(1, 1, 10), proof(2, 1, MAX_ANSWER_BYTES + 1), proof(3, 1, 10)];
		assert_eq!(lengths(&mixed), vec![1, 1, 1]);
		let order: Vec<ChallengeId> =
			answer_batches(&mixed).concat().iter().map(|(_, p)| p.challenge).collect();
		assert_eq!(order, vec![1, 2, 3]);
		assert!(answer_batches::<ContractId>(&[]).is_empty());
	}
}
