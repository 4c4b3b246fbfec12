//! A runtime with `System` and `Hosting`. Plans, ratings, accounts, the scheduler and the
//! randomness are the shared test doubles of `datdot_primitives::testing`; the provider pools
//! and the observers are mocks of this file.

use core::cell::RefCell;
use datdot_primitives::{
	attestor::{AttestorId, AttestorKeys},
	testing::{
		self, doubles, region, MockAccounts, MockPlans, MockRatings, MockScheduler, TestRandomness,
	},
	ContractId, ContractObserver, Performance, PlanId, PlanTerms, Priority, ProviderRegistry,
	Region, Role,
};
use frame_support::{derive_impl, parameter_types};
use parking_lot::RwLock;
use sp_core::offchain::{
	testing::{PoolState, TestOffchainExt, TestTransactionPoolExt},
	OffchainDbExt, OffchainWorkerExt, TransactionPoolExt,
};
use sp_keystore::{testing::MemoryKeystore, KeystoreExt};
use sp_runtime::{testing::TestXt, BuildStorage, DispatchError, DispatchResult};
use std::{collections::BTreeMap, sync::Arc};

use crate as pallet_datdot_hosting;

type Block = frame_system::mocking::MockBlock<Test>;
pub use datdot_primitives::testing::AccountId;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Hosting: pallet_datdot_hosting,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

/// The transactions the off-chain worker submits: general (unsigned, unsigned-for) extrinsics.
pub type Extrinsic = TestXt<RuntimeCall, ()>;

impl<C> frame_system::offchain::CreateTransactionBase<C> for Test
where
	RuntimeCall: From<C>,
{
	type Extrinsic = Extrinsic;
	type RuntimeCall = RuntimeCall;
}

impl<C> frame_system::offchain::CreateTransaction<C> for Test
where
	RuntimeCall: From<C>,
{
	type Extension = ();
	fn create_transaction(call: RuntimeCall, extension: ()) -> Extrinsic {
		Extrinsic::new_transaction(call, extension)
	}
}

impl<C> frame_system::offchain::CreateAuthorizedTransaction<C> for Test
where
	RuntimeCall: From<C>,
{
	fn create_extension() {}
}

/// A mock provider.
#[derive(Clone, Debug)]
pub struct MockProvider {
	pub region: Region,
	/// Outside its availability window.
	pub away: bool,
	pub capacity: u32,
	pub booked: u32,
}

/// What the hosting-only mocks hold and were told.
#[derive(Default)]
pub struct World {
	pub providers: BTreeMap<(AccountId, Role), MockProvider>,
	pub activated: Vec<ContractId>,
	pub stopped: Vec<ContractId>,
	pub ended: Vec<ContractId>,
	pub removed: Vec<(ContractId, AccountId)>,
	/// Attestor keys tied to accounts.
	pub keys: BTreeMap<AccountId, AttestorId>,
	/// When set, `activated` fails (checks cannot be scheduled).
	pub refuse_activation: bool,
}

thread_local! {
	pub static WORLD: RefCell<World> = RefCell::new(World::default());
}

pub fn with_world<R>(f: impl FnOnce(&mut World) -> R) -> R {
	WORLD.with(|w| f(&mut w.borrow_mut()))
}

pub struct MockProviders;
impl ProviderRegistry<AccountId> for MockProviders {
	fn is_provider(who: &AccountId, role: Role) -> bool {
		with_world(|w| w.providers.contains_key(&(*who, role)))
	}
	fn serves(who: &AccountId, role: Role, region: &Region) -> bool {
		with_world(|w| {
			w.providers.get(&(*who, role)).is_some_and(|p| !p.away && region.contains(&p.region))
		})
	}
	fn has_free_capacity(who: &AccountId, role: Role) -> bool {
		with_world(|w| w.providers.get(&(*who, role)).is_some_and(|p| p.booked < p.capacity))
	}
	fn book(who: &AccountId, role: Role) -> DispatchResult {
		with_world(|w| match w.providers.get_mut(&(*who, role)) {
			Some(p) if p.booked < p.capacity => {
				p.booked += 1;
				Ok(())
			}
			_ => Err(DispatchError::Other("cannot book")),
		})
	}
	fn release(who: &AccountId, role: Role) {
		with_world(|w| {
			if let Some(p) = w.providers.get_mut(&(*who, role)) {
				p.booked = p.booked.saturating_sub(1);
			}
		})
	}
	fn pool_size(role: Role, region: &Region) -> u32 {
		Self::pool(role, region).len() as u32
	}
	fn pool_member(role: Role, region: &Region, index: u32) -> Option<AccountId> {
		Self::pool(role, region).get(index as usize).copied()
	}
}

impl MockProviders {
	fn pool(role: Role, region: &Region) -> Vec<AccountId> {
		with_world(|w| {
			w.providers
				.iter()
				.filter(|((_, r), p)| *r == role && region.contains(&p.region))
				.map(|((who, _), _)| *who)
				.collect()
		})
	}
}

pub struct MockAttestorKeys;
impl AttestorKeys<AccountId> for MockAttestorKeys {
	fn key_of(who: &AccountId) -> Option<AttestorId> {
		with_world(|w| w.keys.get(who).cloned())
	}
	fn owner_of(key: &AttestorId) -> Option<AccountId> {
		with_world(|w| w.keys.iter().find(|(_, k)| *k == key).map(|(who, _)| *who))
	}
}

pub struct MockObserver;
impl ContractObserver<AccountId> for MockObserver {
	fn activated(contract: ContractId) -> DispatchResult {
		if with_world(|w| w.refuse_activation) {
			return Err(DispatchError::Other("checks cannot be scheduled"));
		}
		with_world(|w| w.activated.push(contract));
		Ok(())
	}
	fn stopped(contract: ContractId) {
		with_world(|w| w.stopped.push(contract));
	}
	fn ended(contract: ContractId) {
		with_world(|w| w.ended.push(contract));
	}
	fn hoster_removed(contract: ContractId, hoster: &AccountId) {
		with_world(|w| w.removed.push((contract, *hoster)));
	}
}

parameter_types! {
	pub const AttestorsPerMatching: u32 = 3;
	pub const MaxAttestors: u32 = 3;
	pub const Quorum: u32 = 2;
	pub const MaxHosters: u32 = 4;
	pub const MaxContracts: u32 = 4;
	pub const MatchingTimeout: u64 = 10;
	pub const SetupTimeout: u64 = 20;
	pub const RetryBackoff: u64 = 5;
	pub const MaxMatchingAttempts: u32 = 3;
	pub const MaxRepairAttempts: u32 = 4;
	pub const MaxDrawAttempts: u32 = 16;
	pub const MaxSetupRejections: u32 = 2;
	pub const VotePriority: u64 = 1 << 20;
}

impl crate::Config for Test {
	type Plans = MockPlans<Hosting>;
	type Providers = MockProviders;
	type Ratings = MockRatings;
	type Accounts = MockAccounts;
	type AttestorKeys = MockAttestorKeys;
	type Scheduler = MockScheduler;
	type Randomness = TestRandomness;
	type Observer = MockObserver;
	type AttestorsPerMatching = AttestorsPerMatching;
	type MaxAttestorsPerMatching = MaxAttestors;
	type MatchingQuorum = Quorum;
	type MaxHostersPerContract = MaxHosters;
	type MaxContractsPerPlan = MaxContracts;
	type MatchingTimeout = MatchingTimeout;
	type SetupTimeout = SetupTimeout;
	type RetryBackoff = RetryBackoff;
	type MaxMatchingAttempts = MaxMatchingAttempts;
	type MaxRepairAttempts = MaxRepairAttempts;
	type MaxDrawAttempts = MaxDrawAttempts;
	type MaxSetupRejections = MaxSetupRejections;
	type VotePriority = VotePriority;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockBenchmarkHelper;
	type WeightInfo = ();
}

pub const SPONSOR: AccountId = 1;
/// Hosters 10..=14, encoders 20..=24, attestors 30..=34, all at `u33`.
pub const HOSTERS: [AccountId; 5] = [10, 11, 12, 13, 14];
pub const ENCODERS: [AccountId; 5] = [20, 21, 22, 23, 24];
pub const ATTESTORS: [AccountId; 5] = [30, 31, 32, 33, 34];
/// The key of the mock plans' feed.
pub const FEED_KEY: [u8; 32] = [5; 32];

pub fn add_provider(who: AccountId, role: Role, at: &str, capacity: u32) {
	with_world(|w| {
		w.providers.insert(
			(who, role),
			MockProvider { region: region(at), away: false, capacity, booked: 0 },
		)
	});
}

/// A live plan `plan` of SPONSOR in `u3` with `hosters` hosters per contract.
pub fn add_plan(plan: PlanId, hosters: u8) {
	doubles(|d| {
		d.plans.insert(
			plan,
			PlanTerms {
				sponsor: SPONSOR,
				regions: vec![region("u3")],
				hosters,
				min_performance: Performance { max_latency_ms: 100, min_bandwidth_kbps: 10 },
				key: FEED_KEY,
				length: 1_000,
				priority: Priority::Normal,
				paused: false,
			},
		)
	});
}

pub fn booked(who: AccountId, role: Role) -> u32 {
	with_world(|w| w.providers.get(&(who, role)).map_or(0, |p| p.booked))
}

/// Moves to block `n` (the doubles see it too).
pub fn set_block(n: u64) {
	System::set_block_number(n);
	doubles(|d| d.now = n);
}

/// Sets up the standard providers; `build_and_execute` runs a test on it and then checks the
/// pallet's invariants.
pub struct ExtBuilder {
	capacity: u32,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self { capacity: 2 }
	}
}

impl ExtBuilder {
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build_with(|_| {}, test)
	}

	/// Like `build_and_execute`, with an off-chain worker's environment: offchain storage, a
	/// transaction pool and a keystore, which the test gets to look into.
	pub fn build_offchain_and_execute(self, test: impl FnOnce(&OffchainParts)) {
		let (offchain, _) = TestOffchainExt::new();
		let (pool, pool_state) = TestTransactionPoolExt::new();
		let keystore = Arc::new(MemoryKeystore::new());
		let parts = OffchainParts { pool: pool_state, keystore: keystore.clone() };
		self.build_with(
			|ext| {
				ext.register_extension(OffchainDbExt::new(offchain.clone()));
				ext.register_extension(OffchainWorkerExt::new(offchain));
				ext.register_extension(TransactionPoolExt::new(pool));
				ext.register_extension(KeystoreExt(keystore));
			},
			|| test(&parts),
		)
	}

	fn build_with(self, extend: impl FnOnce(&mut sp_io::TestExternalities), test: impl FnOnce()) {
		testing::reset();
		WORLD.with(|w| *w.borrow_mut() = World::default());
		for (role, group) in
			[(Role::Hoster, HOSTERS), (Role::Encoder, ENCODERS), (Role::Attestor, ATTESTORS)]
		{
			for who in group {
				add_provider(who, role, "u33", self.capacity);
			}
		}
		let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		extend(&mut ext);
		ext.execute_with(|| {
			set_block(1);
			test();
			Hosting::do_try_state().expect("hosting invariants hold");
		});
	}
}

/// What an off-chain worker test looks into: the pool's transactions and the node's keys.
pub struct OffchainParts {
	pub pool: Arc<RwLock<PoolState>>,
	pub keystore: Arc<MemoryKeystore>,
}

/// Runs `test` with the standard providers, then checks the pallet's invariants.
pub fn new_test_ext(test: impl FnOnce()) {
	ExtBuilder::default().build_and_execute(test)
}

/// Fresh storage for the benchmark test suite: clean mocks and no providers (each benchmark
/// registers its own), and a keystore for the attestor keys the benchmarks sign votes with.
#[cfg(feature = "runtime-benchmarks")]
pub fn new_bench_ext() -> sp_io::TestExternalities {
	testing::reset();
	WORLD.with(|w| *w.borrow_mut() = World::default());
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.register_extension(KeystoreExt(Arc::new(MemoryKeystore::new())));
	ext
}

#[cfg(feature = "runtime-benchmarks")]
pub use benchmark_helper::MockBenchmarkHelper;

/// The benchmarks' state built against this mock: accounts and plans in the shared doubles,
/// providers and attestor keys in [`World`], contracts through the real `Hosting`.
#[cfg(feature = "runtime-benchmarks")]
mod benchmark_helper {
	use super::*;
	use codec::Encode;
	use datdot_primitives::{
		encoding,
		feed::{benchmark_feed, FeedTree, TreeBuilder, BENCHMARK_KNOWN_BLOCKS},
		testing::signer,
		BenchmarkHelper, ChunkRange, ContractManager, ContractStatus,
	};
	use sp_core::{Pair, H256};
	use sp_runtime::RuntimeAppPublic;

	/// The minimum performance of the helper's plans, as the runtime's helper asks.
	const MIN_PERFORMANCE: Performance =
		Performance { max_latency_ms: 10_000, min_bandwidth_kbps: 0 };

	/// Starts a benchmark run on clean mocks. The benchmark harness wipes the storage after
	/// every run (back to `new_bench_ext`'s, at block 0) but not the thread-local mocks, which
	/// would keep the last run's providers, bookings and plans: the first helper call of a run,
	/// still at block 0, clears them and moves to block 1, where the unit tests start too.
	/// Outside the harness (block 1 or later) the mocks are left as they are.
	fn begin_run() {
		if System::block_number() == 0 {
			testing::reset();
			WORLD.with(|w| *w.borrow_mut() = World::default());
			set_block(1);
		}
	}

	/// `bytes` as a region; the benchmarks only pass valid ones.
	fn region_of(bytes: &[u8]) -> Region {
		Region::new(bytes).expect("the benchmarks use valid regions")
	}

	/// A fresh account id for the `n`-th provider of `role` for `plan`.
	fn member(role: Role, n: u32, plan: PlanId) -> AccountId {
		let hash = datdot_primitives::blake2_256(&(b"datdot/bench", role, n, plan).encode());
		let mut word = [0u8; 8];
		word.copy_from_slice(&hash[..8]);
		AccountId::from_le_bytes(word)
	}

	/// The id the next plan gets: one past every plan the doubles know, live or ended.
	fn next_plan() -> PlanId {
		doubles(|d| {
			d.plans
				.keys()
				.chain(d.ended_plans.iter().map(|(plan, _)| plan))
				.max()
				.map_or(0, |last| last + 1)
		})
	}

	/// Sets up the benchmarks' state in the mock runtime, like the runtime's helper does with
	/// the real pallets.
	pub struct MockBenchmarkHelper;

	impl BenchmarkHelper<AccountId> for MockBenchmarkHelper {
		/// Every id has an account in [`MockAccounts`] (with the key of [`signer`]); this makes
		/// sure `who` is not one of those without and places it at `location`, unless it was
		/// placed already (`Accounts` keeps an existing account as it is). The mock has no
		/// balances to fund.
		fn account(who: &AccountId, location: &[u8]) {
			begin_run();
			let location = region_of(location);
			doubles(|d| {
				d.without_account.remove(who);
				d.locations.entry(*who).or_insert(location);
			});
		}

		/// A provider serving `region` and available, with nothing booked. A registration
		/// that exists is kept, as `Roles` refuses a second one.
		fn provider(who: &AccountId, role: Role, region: &[u8], capacity: u32) {
			Self::account(who, region);
			let region = region_of(region);
			with_world(|w| {
				w.providers.entry((*who, role)).or_insert(MockProvider {
					region,
					away: false,
					capacity,
					booked: 0,
				});
			});
		}

		/// The plan's terms and feed go into the doubles (which stand for `Plans`, so nothing
		/// is signed or verified); its contracts are opened in `Hosting` as `Plans` opens them.
		/// The plan is not started: the caller starts it. A plan whose contracts cannot be
		/// opened is not published, and its id is returned all the same, as in the runtime.
		fn plan(
			sponsor: &AccountId,
			contracts: u32,
			hosters: u8,
			region: &[u8],
			length: u64,
			block_size: u32,
		) -> PlanId {
			Self::account(sponsor, region);
			let plan = next_plan();
			let known = length.min(BENCHMARK_KNOWN_BLOCKS) as u32;
			let ranges: Vec<ChunkRange> = if contracts <= 1 {
				vec![ChunkRange { start: 0, end: known }]
			} else {
				(0..contracts).map(|i| ChunkRange { start: i, end: i + 1 }).collect()
			};
			let opened = frame_support::storage::with_storage_layer(|| {
				<Hosting as ContractManager<AccountId>>::open(plan, &ranges)
			});
			if opened.is_err() {
				return plan;
			}
			let log = benchmark_feed(length, block_size);
			let terms = PlanTerms {
				sponsor: *sponsor,
				regions: vec![region_of(region)],
				hosters,
				min_performance: MIN_PERFORMANCE,
				key: signer(*sponsor).public().0,
				length,
				priority: Priority::Normal,
				paused: false,
			};
			doubles(|d| {
				d.plans.insert(plan, terms);
				d.feeds.insert(plan, FeedTree { length, fork: 0, roots: log.roots() });
			});
			plan
		}

		/// Like the runtime's, but the mock has no proofs or benchmarks pallet to open
		/// challenges in: the contracts are active, and [`MockObserver`] was told so.
		fn active_plan(
			sponsor: &AccountId,
			contracts: u32,
			hosters: u8,
			region: &[u8],
			length: u64,
			block_size: u32,
		) -> PlanId {
			let plan = Self::plan(sponsor, contracts, hosters, region, length, block_size);
			activate(plan, hosters, region, length, block_size);
			plan
		}

		fn active_contract(
			sponsor: &AccountId,
			hosters: u8,
			region: &[u8],
			length: u64,
			block_size: u32,
		) -> Option<ContractId> {
			let plan = Self::plan(sponsor, 1, hosters, region, length, block_size);
			let contract = activate(plan, hosters, region, length, block_size).first().copied()?;
			let active = crate::Contracts::<Test>::get(contract)
				.is_some_and(|c| c.status == ContractStatus::Active);
			active.then_some(contract)
		}

		/// Signs with the key [`MockAccounts`] gives `who`'s account.
		fn sign(who: &AccountId, message: &[u8]) -> [u8; 64] {
			begin_run();
			signer(*who).sign(message).0
		}

		/// A fresh key in the externalities' keystore, tied to `who` in [`World::keys`].
		fn attestor_key(who: &AccountId) -> AttestorId {
			Self::account(who, b"u33dcu33");
			let key = AttestorId::generate_pair(None);
			with_world(|w| w.keys.insert(*who, key.clone()));
			key
		}
	}

	/// The commitment to `hoster`'s encoded copy of `range` of the benchmark feed.
	fn commitment(
		contract: ContractId,
		hoster: &AccountId,
		seed: &H256,
		range: ChunkRange,
		log: &TreeBuilder<impl Fn(u64) -> Vec<u8>>,
	) -> H256 {
		let key = Hosting::copy_key(contract, hoster, seed);
		let leaves: Vec<H256> = (range.start..range.end)
			.map(|i| encoding::leaf(&encoding::encode_block(&key, i.into(), &log.block(i.into()))))
			.collect();
		encoding::commitment(&leaves)
	}

	/// Runs matching (the rule's selection, voted by a quorum) and setup of every contract of
	/// `plan` (over the benchmark feed of `length` blocks of `block_size` bytes) with fresh
	/// providers in `region`, as the runtime's helper does. Returns the contracts.
	fn activate(
		plan: PlanId,
		hosters: u8,
		region: &[u8],
		length: u64,
		block_size: u32,
	) -> Vec<ContractId> {
		let log = benchmark_feed(length, block_size);
		let Some(feed) = doubles(|d| d.plans.get(&plan).map(|terms| terms.key)) else {
			return Vec::new();
		};
		let contracts = crate::PlanContracts::<Test>::get(plan).into_inner();
		let capacity = (contracts.len() as u32).max(1) + 1;
		let make = |role, count: u32| {
			for n in 0..count {
				MockBenchmarkHelper::provider(&member(role, n, plan), role, region, capacity);
			}
		};
		// One attestor more than a round draws, free to measure the contracts later.
		make(Role::Attestor, AttestorsPerMatching::get() + 1);
		// Three times as many hosters and encoders as positions: the rule's probes find a free
		// one for the last position too.
		make(Role::Hoster, 3 * u32::from(hosters));
		make(Role::Encoder, 3 * u32::from(hosters));
		let _ = <Hosting as ContractManager<AccountId>>::start(plan);
		for contract in &contracts {
			let contract = *contract;
			let voters = crate::Rounds::<Test>::get(contract)
				.map(|round| round.attestors.into_inner())
				.unwrap_or_default();
			let Ok(rule) = Hosting::rule_selection(contract) else {
				continue;
			};
			for voter in voters.iter().take(Quorum::get() as usize) {
				let selection = crate::SelectionInput {
					hosters: rule.hosters.to_vec(),
					encoders: rule.encoders.to_vec(),
				};
				let _ = Hosting::do_submit_matching(*voter, contract, selection);
			}
			let Some(stored) = crate::Contracts::<Test>::get(contract) else {
				continue;
			};
			let results = stored
				.positions
				.iter()
				.filter_map(|position| {
					let hoster = position.hoster.as_ref()?;
					let commitment =
						commitment(contract, hoster, &position.seed, stored.range, &log);
					let message =
						Hosting::setup_message(contract, hoster, feed, stored.range, &commitment);
					let signature = MockBenchmarkHelper::sign(hoster, &message);
					Some(crate::HosterSetup {
						hoster: *hoster,
						copy: Some(crate::CopyConfirmation { commitment, signature }),
					})
				})
				.collect();
			if let Some(attestor) = stored.attestor {
				let report = crate::SetupReport { contract, results };
				let _ = Hosting::do_setup_report(attestor, report);
			}
		}
		contracts
	}
}
