//! The node, as providers and sponsors use it: `subxt` over the node's WebSocket RPC, checked
//! against the runtime's metadata.
//!
//! Calls are encoded with the pallets' own types (`calls`): `subxt` finds the pallet and call
//! indexes by name in the metadata and signs with the account's sr25519 key. Storage is read
//! with the pallets' own key hashers and decoded into the pallets' own types (`types`), at the
//! node's best block so that a provider acts on the events it has just seen.

use crate::{
	identity::Identity,
	types::{Account, Benchmark, Challenge, Contract, Event, FeedRoots, Plan, Provider},
};
use codec::{Decode, Encode};
use datdot_primitives::{BenchmarkId, ChallengeId, ContractId, PlanId, Rating, Region, Role};
use sp_core::{crypto::AccountId32, H256};
use sp_io::hashing::{blake2_128, twox_128, twox_64};
use subxt::{
	client::OnlineClientAtBlock,
	config::PolkadotExtrinsicParamsBuilder,
	ext::scale_encode::{self, EncodeAsFields, FieldIter, TypeResolver},
	rpcs::{rpc_params, RpcClient},
	OnlineClient, PolkadotConfig,
};

/// Why a chain request failed.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
	/// The node could not be reached or answered with an error.
	#[error("node: {0}")]
	Node(String),
	/// The chain refused a transaction (the pallet's error names why).
	#[error("{call} refused: {reason}")]
	Refused {
		/// `Pallet.call`.
		call: String,
		/// The dispatch or validity error.
		reason: String,
	},
	/// A stored value or event does not decode as this client expects: another runtime.
	#[error("unexpected chain data ({what}): {message}")]
	Decode {
		/// What was read.
		what: String,
		/// The codec error.
		message: String,
	},
}

fn node(e: impl std::fmt::Display) -> ChainError {
	ChainError::Node(e.to_string())
}

/// A block's events, as far as the network acts on them.
#[derive(Clone, Debug)]
pub struct Block {
	/// Its number.
	pub number: u32,
	/// The events the network acts on, in order.
	pub events: Vec<Event>,
}

/// How often a transaction is signed again with a fresh nonce when the node says its nonce was
/// already used.
const STALE_NONCE_RETRIES: u32 = 5;

/// How long a submitted transaction may go without news from the node before it is given up.
const WATCH_SILENCE: std::time::Duration = std::time::Duration::from_secs(120);

/// A connection to a node.
#[derive(Clone)]
pub struct Chain {
	api: OnlineClient<PolkadotConfig>,
	rpc: RpcClient,
	genesis: H256,
	/// The node's address, to connect again.
	url: std::sync::Arc<str>,
	/// One transaction of this client at a time enters the pool, so nonces follow each other;
	/// with the next nonce of each account after this client's own transactions.
	submitting: std::sync::Arc<tokio::sync::Mutex<std::collections::HashMap<AccountId32, u64>>>,
}

/// A transaction's call: a pallet, a call and its arguments encoded with the pallet's types.
pub struct Call {
	pallet: &'static str,
	name: &'static str,
	args: RawArgs,
}

/// Arguments already SCALE-encoded with the pallets' own types.
pub struct RawArgs(Vec<u8>);

impl EncodeAsFields for RawArgs {
	fn encode_as_fields_to<R: TypeResolver>(
		&self,
		_fields: &mut dyn FieldIter<'_, R::TypeId>,
		_types: &R,
		out: &mut Vec<u8>,
	) -> Result<(), scale_encode::Error> {
		out.extend_from_slice(&self.0);
		Ok(())
	}
}

impl subxt::tx::Payload for Call {
	type CallData = RawArgs;

	fn pallet_name(&self) -> &str {
		self.pallet
	}

	fn call_name(&self) -> &str {
		self.name
	}

	fn call_data(&self) -> &RawArgs {
		&self.args
	}
}

impl Call {
	/// `pallet.name(args)`.
	pub fn new(pallet: &'static str, name: &'static str, args: impl Encode) -> Self {
		Self { pallet, name, args: RawArgs(args.encode()) }
	}

	fn label(&self) -> String {
		format!("{}.{}", self.pallet, self.name)
	}
}

/// The calls the network makes, with the pallets' argument types.
pub mod calls {
	use super::Call;
	use crate::types::{BlockNumber, PlanInput, SetupReport, StorageProof};
	use datdot_primitives::Role;
	use sp_core::crypto::AccountId32;

	/// A profile (`account_create`, `account_update`).
	pub type Profile = pallet_datdot_accounts::ProfileInput;
	/// A provider's offer (`roles_register`).
	pub type Form = pallet_datdot_roles::ProviderFormInput<BlockNumber>;
	/// A benchmark report.
	pub type BenchmarkReport = pallet_datdot_benchmarks::BenchmarkReport<AccountId32>;
	/// One hoster's measurement.
	pub type Measurement = pallet_datdot_benchmarks::HosterMeasurement<AccountId32>;

	/// `Accounts.account_create`.
	pub fn account_create(profile: Profile) -> Call {
		Call::new("Accounts", "account_create", profile)
	}

	/// `Accounts.account_update`.
	pub fn account_update(profile: Profile) -> Call {
		Call::new("Accounts", "account_update", profile)
	}

	/// `Roles.roles_register`.
	pub fn roles_register(role: Role, form: Form) -> Call {
		Call::new("Roles", "roles_register", (role, form))
	}

	/// `Roles.roles_set_attestor_key`.
	pub fn roles_set_attestor_key(key: [u8; 32], proof: [u8; 64]) -> Call {
		Call::new("Roles", "roles_set_attestor_key", (key, proof))
	}

	/// `Plans.plan_subscribe`.
	pub fn plan_subscribe(input: PlanInput<BlockNumber>) -> Call {
		Call::new("Plans", "plan_subscribe", input)
	}

	/// `Hosting.hosting_setup_report`.
	pub fn hosting_setup_report(report: SetupReport<AccountId32>) -> Call {
		Call::new("Hosting", "hosting_setup_report", report)
	}

	/// `Proofs.proof_of_storage_response`: answers to several challenges at once.
	pub fn proof_of_storage_response(proofs: Vec<StorageProof>) -> Call {
		Call::new("Proofs", "proof_of_storage_response", proofs)
	}

	/// `Benchmarks.performance_benchmark_response`.
	pub fn performance_benchmark_response(report: BenchmarkReport) -> Call {
		Call::new("Benchmarks", "performance_benchmark_response", report)
	}
}

/// The key prefix of `pallet::item`.
fn prefix(pallet: &str, item: &str) -> Vec<u8> {
	let mut key = twox_128(pallet.as_bytes()).to_vec();
	key.extend_from_slice(&twox_128(item.as_bytes()));
	key
}

/// `Twox64Concat` of `value`.
fn twox64_concat(value: &impl Encode) -> Vec<u8> {
	let encoded = value.encode();
	let mut key = twox_64(&encoded).to_vec();
	key.extend_from_slice(&encoded);
	key
}

/// `Blake2_128Concat` of `value`.
fn blake2_128_concat(value: &impl Encode) -> Vec<u8> {
	let encoded = value.encode();
	let mut key = blake2_128(&encoded).to_vec();
	key.extend_from_slice(&encoded);
	key
}

/// Lower-case hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
	crate::provider::hex(bytes)
}

/// The bytes of `0x`-prefixed hex.
fn from_hex(text: &str) -> Result<Vec<u8>, ChainError> {
	let digits = text.strip_prefix("0x").unwrap_or(text);
	let bad = || ChainError::Decode {
		what: "hex from the node".into(),
		message: text.chars().take(80).collect(),
	};
	if digits.len() % 2 != 0 {
		return Err(bad());
	}
	(0..digits.len())
		.step_by(2)
		.map(|i| digits.get(i..i + 2).and_then(|d| u8::from_str_radix(d, 16).ok()).ok_or_else(bad))
		.collect()
}

fn decode<T: Decode>(what: &str, bytes: &[u8]) -> Result<T, ChainError> {
	T::decode(&mut &bytes[..])
		.map_err(|e| ChainError::Decode { what: what.to_string(), message: e.to_string() })
}

impl Chain {
	/// Connects to the node at `url` (`ws://...`).
	pub async fn connect(url: &str) -> Result<Self, ChainError> {
		let rpc = RpcClient::from_insecure_url(url).await.map_err(node)?;
		let api =
			OnlineClient::<PolkadotConfig>::from_rpc_client(rpc.clone()).await.map_err(node)?;
		let genesis = H256(api.genesis_hash().0);
		Ok(Self { api, rpc, genesis, url: url.into(), submitting: Default::default() })
	}

	/// The node's address, as connected to.
	pub fn url(&self) -> &str {
		&self.url
	}

	/// The chain's genesis hash, which every off-chain signature names.
	pub fn genesis(&self) -> H256 {
		self.genesis
	}

	/// The best block's number.
	pub async fn best_number(&self) -> Result<u32, ChainError> {
		#[derive(serde::Deserialize)]
		struct Header {
			number: String,
		}
		let header: Header =
			self.rpc.request("chain_getHeader", rpc_params![]).await.map_err(node)?;
		let digits = header.number.trim_start_matches("0x");
		u32::from_str_radix(digits, 16)
			.map_err(|e| node(format!("block number {}: {e}", header.number)))
	}

	/// A client at the best block.
	async fn at_best(&self) -> Result<OnlineClientAtBlock<PolkadotConfig>, ChainError> {
		let hash: subxt::config::substrate::H256 =
			self.rpc.request("chain_getBlockHash", rpc_params![]).await.map_err(node)?;
		self.api.at_block(hash).await.map_err(node)
	}

	/// The best block's hash, as the RPC writes it.
	async fn best_hash(&self) -> Result<String, ChainError> {
		self.rpc.request("chain_getBlockHash", rpc_params![]).await.map_err(node)
	}

	/// The value at storage `key` in the best block.
	async fn read<T: Decode>(&self, what: &str, key: Vec<u8>) -> Result<Option<T>, ChainError> {
		let at = self.best_hash().await?;
		let key = format!("0x{}", hex(&key));
		let value: Option<String> =
			self.rpc.request("state_getStorage", rpc_params![key, at]).await.map_err(node)?;
		value.map(|v| decode(what, &from_hex(&v)?)).transpose()
	}

	/// Every (key, value) under storage `prefix` in the best block.
	async fn read_all(&self, prefix: Vec<u8>) -> Result<Vec<(Vec<u8>, Vec<u8>)>, ChainError> {
		/// Keys per page.
		const PAGE: u32 = 1000;
		#[derive(serde::Deserialize)]
		struct Changes {
			changes: Vec<(String, Option<String>)>,
		}
		let at = self.best_hash().await?;
		let prefix = format!("0x{}", hex(&prefix));
		let mut entries = Vec::new();
		let mut start: Option<String> = None;
		loop {
			let keys: Vec<String> = self
				.rpc
				.request("state_getKeysPaged", rpc_params![&prefix, PAGE, &start, &at])
				.await
				.map_err(node)?;
			if keys.is_empty() {
				break;
			}
			let sets: Vec<Changes> = self
				.rpc
				.request("state_queryStorageAt", rpc_params![&keys, &at])
				.await
				.map_err(node)?;
			for (key, value) in sets.into_iter().flat_map(|set| set.changes) {
				if let Some(value) = value {
					entries.push((from_hex(&key)?, from_hex(&value)?));
				}
			}
			if keys.len() < PAGE as usize {
				break;
			}
			start = keys.last().cloned();
		}
		Ok(entries)
	}

	/// A live contract.
	pub async fn contract(&self, id: ContractId) -> Result<Option<Contract>, ChainError> {
		let mut key = prefix("Hosting", "Contracts");
		key.extend(twox64_concat(&id));
		self.read("Hosting.Contracts", key).await
	}

	/// The contracts of a live plan.
	pub async fn plan_contracts(&self, plan: PlanId) -> Result<Vec<ContractId>, ChainError> {
		let mut key = prefix("Hosting", "PlanContracts");
		key.extend(twox64_concat(&plan));
		Ok(self.read("Hosting.PlanContracts", key).await?.unwrap_or_default())
	}

	/// A live plan.
	pub async fn plan(&self, id: PlanId) -> Result<Option<Plan>, ChainError> {
		let mut key = prefix("Plans", "Plans");
		key.extend(twox64_concat(&id));
		self.read("Plans.Plans", key).await
	}

	/// The verified roots of a live plan's feed.
	pub async fn feed_roots(&self, plan: PlanId) -> Result<Option<FeedRoots>, ChainError> {
		let mut key = prefix("Plans", "FeedTrees");
		key.extend(twox64_concat(&plan));
		self.read("Plans.FeedTrees", key).await
	}

	/// An account's profile.
	pub async fn account(&self, who: &AccountId32) -> Result<Option<Account>, ChainError> {
		let mut key = prefix("Accounts", "Accounts");
		key.extend(blake2_128_concat(who));
		self.read("Accounts.Accounts", key).await
	}

	/// An account's registration for `role`.
	pub async fn provider(
		&self,
		who: &AccountId32,
		role: Role,
	) -> Result<Option<Provider>, ChainError> {
		let mut key = prefix("Roles", "Providers");
		key.extend(blake2_128_concat(who));
		key.extend(twox64_concat(&role));
		self.read("Roles.Providers", key).await
	}

	/// The key an attestor's node votes with, if one is tied to it.
	pub async fn attestor_key(&self, who: &AccountId32) -> Result<Option<[u8; 32]>, ChainError> {
		let mut key = prefix("Roles", "AttestorKeys");
		key.extend(blake2_128_concat(who));
		self.read("Roles.AttestorKeys", key).await
	}

	/// A provider's rating in a region.
	pub async fn rating(
		&self,
		who: &AccountId32,
		region: &Region,
	) -> Result<Option<Rating>, ChainError> {
		let mut key = prefix("Roles", "Ratings");
		key.extend(blake2_128_concat(who));
		key.extend(blake2_128_concat(region));
		self.read("Roles.Ratings", key).await
	}

	/// The challenges a hoster failed in a row in a contract.
	pub async fn failures(
		&self,
		contract: ContractId,
		hoster: &AccountId32,
	) -> Result<u32, ChainError> {
		let mut key = prefix("Proofs", "Failures");
		key.extend(twox64_concat(&contract));
		key.extend(blake2_128_concat(hoster));
		Ok(self.read("Proofs.Failures", key).await?.unwrap_or_default())
	}

	/// An open challenge.
	pub async fn challenge(&self, id: ChallengeId) -> Result<Option<Challenge>, ChainError> {
		let mut key = prefix("Proofs", "Challenges");
		key.extend(twox64_concat(&id));
		self.read("Proofs.Challenges", key).await
	}

	/// Every open challenge (those of the last `ChallengeTimeout` blocks).
	pub async fn challenges(&self) -> Result<Vec<(ChallengeId, Challenge)>, ChainError> {
		let prefix = prefix("Proofs", "Challenges");
		let skip = prefix.len() + 8;
		let mut challenges = Vec::new();
		for (key, value) in self.read_all(prefix).await? {
			let id = decode::<ChallengeId>(
				"Proofs.Challenges key",
				key.get(skip..).unwrap_or_default(),
			)?;
			challenges.push((id, decode("Proofs.Challenges", &value)?));
		}
		Ok(challenges)
	}

	/// An open benchmark.
	pub async fn benchmark(&self, id: BenchmarkId) -> Result<Option<Benchmark>, ChainError> {
		let mut key = prefix("Benchmarks", "Benchmarks");
		key.extend(twox64_concat(&id));
		self.read("Benchmarks.Benchmarks", key).await
	}

	/// Every open benchmark.
	pub async fn benchmarks(&self) -> Result<Vec<(BenchmarkId, Benchmark)>, ChainError> {
		let prefix = prefix("Benchmarks", "Benchmarks");
		let skip = prefix.len() + 8;
		let mut benchmarks = Vec::new();
		for (key, value) in self.read_all(prefix).await? {
			let id = decode::<BenchmarkId>(
				"Benchmarks.Benchmarks key",
				key.get(skip..).unwrap_or_default(),
			)?;
			benchmarks.push((id, decode("Benchmarks.Benchmarks", &value)?));
		}
		Ok(benchmarks)
	}

	/// The jobs booked to `who`: (role, contract).
	pub async fn provider_jobs(
		&self,
		who: &AccountId32,
	) -> Result<Vec<(Role, ContractId)>, ChainError> {
		let mut prefix = prefix("Hosting", "ProviderJobs");
		prefix.extend(blake2_128_concat(who));
		let skip = prefix.len();
		let mut jobs = Vec::new();
		for (key, _) in self.read_all(prefix).await? {
			// Twox64Concat(role) ‖ Twox64Concat(contract).
			let rest = key.get(skip..).unwrap_or_default();
			let role =
				decode::<Role>("Hosting.ProviderJobs role", rest.get(8..).unwrap_or_default())?;
			let contract = decode::<ContractId>(
				"Hosting.ProviderJobs contract",
				rest.get(8 + 1 + 8..).unwrap_or_default(),
			)?;
			jobs.push((role, contract));
		}
		Ok(jobs)
	}

	/// A `u32` constant of the runtime.
	pub async fn constant_u32(&self, pallet: &str, name: &str) -> Result<u32, ChainError> {
		let metadata = self.at_best().await?.metadata();
		let value = metadata
			.pallet_by_name(pallet)
			.and_then(|p| p.constant_by_name(name))
			.ok_or_else(|| node(format!("the runtime has no constant {pallet}.{name}")))?;
		decode(&format!("{pallet}.{name}"), value.value())
	}

	/// Puts `me`'s attestor key into the node's keystore (`author_insertKey`), so that the node
	/// votes for it in matching rounds. The node must allow unsafe RPC methods (a dev node
	/// does); operators of other nodes use `datdot-node key insert` (`docs/OPERATORS.md`).
	pub async fn insert_attestor_key(&self, me: &Identity) -> Result<(), ChainError> {
		let (suri, public) = me.attestor_key_uri();
		let key_type =
			String::from_utf8_lossy(&datdot_primitives::attestor::KEY_TYPE.0).into_owned();
		let public = format!("0x{}", crate::provider::hex(&public));
		let _: serde_json::Value = self
			.rpc
			.request("author_insertKey", rpc_params![key_type, suri, public])
			.await
			.map_err(node)?;
		Ok(())
	}

	/// Signs `call` as `me`, submits it and waits until it is in a best block; fails with the
	/// pallet's error if it did not succeed.
	pub async fn submit(&self, me: &Identity, call: Call) -> Result<(), ChainError> {
		self.submit_with_events(me, call).await.map(|_| ())
	}

	/// [`Self::submit`], returning the transaction's events as (pallet, variant, fields).
	pub async fn submit_with_events(
		&self,
		me: &Identity,
		call: Call,
	) -> Result<Vec<(String, String, Vec<u8>)>, ChainError> {
		let mut tries = 0;
		loop {
			match self.submit_once(me, &call).await {
				// Another transaction of the account took the nonce (the node answered with the
				// nonce of the block before the one it was importing): sign it again.
				Err(ChainError::Refused { reason, .. })
					if reason.contains("outdated") && tries < STALE_NONCE_RETRIES =>
				{
					tries += 1;
					tracing::debug!("{}: its nonce was taken; signing it again", call.label());
					tokio::time::sleep(std::time::Duration::from_millis(100)).await;
				}
				result => return result,
			}
		}
	}

	async fn submit_once(
		&self,
		me: &Identity,
		call: &Call,
	) -> Result<Vec<(String, String, Vec<u8>)>, ChainError> {
		let label = call.label();
		let refused = |reason: String| ChainError::Refused { call: label.clone(), reason };
		let account = me.account().clone();
		let mut progress = {
			let mut next = self.submitting.lock().await;
			// The pool's next nonce (the runtime's is behind while transactions are pending), or
			// the one after this client's last transaction if the node has not seen it yet.
			let pool: u64 = self
				.rpc
				.request("system_accountNextIndex", rpc_params![account.to_string()])
				.await
				.map_err(node)?;
			let nonce = pool.max(next.get(&account).copied().unwrap_or(0));
			let params =
				PolkadotExtrinsicParamsBuilder::<PolkadotConfig>::new().nonce(nonce).build();
			let at = self.at_best().await?;
			match at.transactions().sign_and_submit_then_watch(call, me.signer(), params).await {
				Ok(progress) => {
					next.insert(account.clone(), nonce + 1);
					progress
				}
				Err(e) => {
					next.remove(&account);
					return Err(refused(e.to_string()));
				}
			}
		};
		use subxt::tx::TransactionStatus;
		loop {
			let Ok(status) = tokio::time::timeout(WATCH_SILENCE, progress.next()).await else {
				self.submitting.lock().await.remove(&account);
				return Err(refused(format!(
					"the node said nothing of the transaction for {WATCH_SILENCE:?}; it may still land (check the chain's state before sending it again)"
				)));
			};
			let Some(status) = status else { break };
			let in_block = match status.map_err(|e| refused(e.to_string()))? {
				TransactionStatus::InBestBlock(in_block)
				| TransactionStatus::InFinalizedBlock(in_block) => in_block,
				TransactionStatus::Error { message }
				| TransactionStatus::Invalid { message }
				| TransactionStatus::Dropped { message } => {
					// Its nonce was not used: ask the node again next time.
					self.submitting.lock().await.remove(&account);
					return Err(refused(message));
				}
				_ => continue,
			};
			let events = in_block.wait_for_success().await.map_err(|e| refused(e.to_string()))?;
			let mut out = Vec::new();
			for event in events.iter() {
				let event = event.map_err(|e| refused(e.to_string()))?;
				out.push((
					event.pallet_name().to_string(),
					event.event_name().to_string(),
					event.field_bytes().to_vec(),
				));
			}
			return Ok(out);
		}
		Err(refused("the node stopped reporting on the transaction".into()))
	}

	/// Every new best block from now on, in order and none skipped, with the events the
	/// network acts on.
	pub async fn blocks(
		&self,
	) -> Result<tokio::sync::mpsc::Receiver<Result<Block, ChainError>>, ChainError> {
		let mut heads = self.api.stream_best_blocks().await.map_err(node)?;
		let (sender, receiver) = tokio::sync::mpsc::channel(64);
		let api = self.api.clone();
		tokio::spawn(async move {
			let mut next: Option<u64> = None;
			while let Some(head) = heads.next().await {
				let number = match head {
					Ok(head) => head.number(),
					Err(e) => {
						if sender.send(Err(node(e))).await.is_err() {
							return;
						}
						continue;
					}
				};
				let from = next.unwrap_or(number).min(number);
				for n in from..=number {
					let block = read_block(&api, n).await;
					if sender.send(block).await.is_err() {
						return;
					}
				}
				next = Some(number + 1);
			}
		});
		Ok(receiver)
	}
}

/// The events of block `number` of the best chain.
async fn read_block(api: &OnlineClient<PolkadotConfig>, number: u64) -> Result<Block, ChainError> {
	let at = api.at_block(number).await.map_err(node)?;
	let events = at.events().fetch().await.map_err(node)?;
	let mut out = Vec::new();
	for event in events.iter() {
		let event = event.map_err(node)?;
		let decoded = Event::decode(event.pallet_name(), event.event_name(), event.field_bytes())
			.map_err(|e| ChainError::Decode {
			what: format!("{}.{}", event.pallet_name(), event.event_name()),
			message: e.to_string(),
		})?;
		out.extend(decoded);
	}
	Ok(Block { number: number as u32, events: out })
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn storage_keys_use_the_pallets_hashers() {
		// `twox_128("Hosting") ‖ twox_128("Contracts") ‖ twox_64(7u64) ‖ 7u64`.
		let mut key = prefix("Hosting", "Contracts");
		key.extend(twox64_concat(&7u64));
		assert_eq!(key.len(), 16 + 16 + 8 + 8);
		assert_eq!(&key[..16], &twox_128(b"Hosting"));
		assert_eq!(&key[40..], &7u64.to_le_bytes());
		let who = AccountId32::new([3; 32]);
		let hashed = blake2_128_concat(&who);
		assert_eq!(&hashed[..16], &blake2_128(&[3; 32]));
		assert_eq!(&hashed[16..], &[3; 32]);
	}

	#[test]
	fn node_hex_decodes() {
		assert_eq!(from_hex("0x00ff10").expect("hex"), vec![0, 255, 16]);
		assert_eq!(from_hex("").expect("hex"), Vec::<u8>::new());
		assert!(from_hex("0x0").is_err());
		assert!(from_hex("0xzz").is_err());
	}

	#[test]
	fn calls_carry_the_pallets_encoding() {
		let call = calls::roles_set_attestor_key([1; 32], [2; 64]);
		assert_eq!(call.label(), "Roles.roles_set_attestor_key");
		assert_eq!(call.args.0, ([1u8; 32], [2u8; 64]).encode());
	}
}
