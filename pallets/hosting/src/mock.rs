//! A runtime with `System` and `Hosting`. Plans, providers, ratings, accounts, the scheduler and
//! the observers are mocks backed by thread-local state the tests set up and inspect.

use core::cell::RefCell;
use datdot_primitives::{
	AccountDirectory, ContractId, ContractObserver, EndReason, Job, JobId, Performance,
	PlanDirectory, PlanId, PlanTerms, Priority, ProviderRegistry, Rating, Ratings, Region, Role,
	ScheduleJob,
};
use frame_support::{derive_impl, parameter_types, traits::Randomness};
use sp_core::{ed25519, Pair, H256};
use sp_runtime::{
	traits::{BlakeTwo256, Hash},
	BuildStorage, DispatchError, DispatchResult,
};
use std::collections::BTreeMap;

use crate as pallet_datdot_hosting;

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;

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

/// A mock provider.
#[derive(Clone, Debug)]
pub struct MockProvider {
	pub region: Region,
	pub capacity: u32,
	pub booked: u32,
}

/// What the mocks hold and were told.
#[derive(Default)]
pub struct World {
	pub plans: BTreeMap<PlanId, PlanTerms<AccountId>>,
	pub ended_plans: Vec<(PlanId, EndReason)>,
	pub providers: BTreeMap<(AccountId, Role), MockProvider>,
	pub ratings: BTreeMap<(AccountId, Region), Rating>,
	pub scheduled: Vec<(JobId, u64, Job, Priority)>,
	pub cancelled: Vec<JobId>,
	pub activated: Vec<ContractId>,
	pub stopped: Vec<ContractId>,
	pub removed: Vec<(ContractId, AccountId)>,
	pub next_job: JobId,
}

thread_local! {
	pub static WORLD: RefCell<World> = RefCell::new(World::default());
}

pub fn with_world<R>(f: impl FnOnce(&mut World) -> R) -> R {
	WORLD.with(|w| f(&mut w.borrow_mut()))
}

pub struct MockPlans;
impl PlanDirectory<AccountId> for MockPlans {
	fn terms(plan: PlanId) -> Option<PlanTerms<AccountId>> {
		with_world(|w| w.plans.get(&plan).cloned())
	}
	fn end_plan(plan: PlanId, reason: EndReason) -> DispatchResult {
		let existed = with_world(|w| {
			w.ended_plans.push((plan, reason));
			w.plans.remove(&plan).is_some()
		});
		if !existed {
			return Err(DispatchError::Other("unknown plan"));
		}
		<Hosting as datdot_primitives::ContractManager<AccountId>>::close(plan, reason);
		Ok(())
	}
}

pub struct MockProviders;
impl ProviderRegistry<AccountId> for MockProviders {
	fn is_provider(who: &AccountId, role: Role) -> bool {
		with_world(|w| w.providers.contains_key(&(*who, role)))
	}
	fn serves(who: &AccountId, role: Role, region: &Region) -> bool {
		with_world(|w| w.providers.get(&(*who, role)).is_some_and(|p| region.contains(&p.region)))
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

pub struct MockRatings;
impl Ratings<AccountId> for MockRatings {
	fn rating(who: &AccountId, region: &Region) -> Rating {
		with_world(|w| w.ratings.get(&(*who, region.clone())).copied().unwrap_or_default())
	}
	fn record_challenge(who: &AccountId, region: &Region, passed: bool) -> Rating {
		with_world(|w| {
			let rating = w.ratings.entry((*who, region.clone())).or_default();
			rating.record_challenge(passed);
			*rating
		})
	}
	fn record_measurement(who: &AccountId, region: &Region, latency: u32, bandwidth: u32) {
		with_world(|w| {
			w.ratings
				.entry((*who, region.clone()))
				.or_default()
				.record_measurement(latency, bandwidth)
		})
	}
}

/// Every account's signing key is the ed25519 key seeded by its id.
pub fn signer(who: AccountId) -> ed25519::Pair {
	let mut seed = [0u8; 32];
	seed[..8].copy_from_slice(&who.to_le_bytes());
	ed25519::Pair::from_seed(&seed)
}

pub struct MockAccounts;
impl AccountDirectory<AccountId> for MockAccounts {
	fn has_account(_: &AccountId) -> bool {
		true
	}
	fn location(_: &AccountId) -> Option<Region> {
		Region::new(b"u3").ok()
	}
	fn signing_key(who: &AccountId) -> Option<[u8; 32]> {
		Some(signer(*who).public().0)
	}
}

pub struct MockScheduler;
impl ScheduleJob<u64> for MockScheduler {
	fn schedule(at: u64, job: Job, priority: Priority) -> Result<JobId, DispatchError> {
		Ok(with_world(|w| {
			let id = w.next_job;
			w.next_job += 1;
			w.scheduled.push((id, at, job, priority));
			id
		}))
	}
	fn enqueue(job: Job, priority: Priority) -> Result<JobId, DispatchError> {
		Self::schedule(System::block_number(), job, priority)
	}
	fn cancel(id: JobId) -> bool {
		with_world(|w| {
			w.cancelled.push(id);
			w.scheduled.iter().any(|(j, ..)| *j == id)
		})
	}
}

pub struct MockObserver;
impl ContractObserver<AccountId> for MockObserver {
	fn activated(contract: ContractId) {
		with_world(|w| w.activated.push(contract));
	}
	fn stopped(contract: ContractId) {
		with_world(|w| w.stopped.push(contract));
	}
	fn hoster_removed(contract: ContractId, hoster: &AccountId) {
		with_world(|w| w.removed.push((contract, *hoster)));
	}
}

/// Deterministic randomness: the hash of the subject.
pub struct TestRandomness;
impl Randomness<H256, u64> for TestRandomness {
	fn random(subject: &[u8]) -> (H256, u64) {
		(BlakeTwo256::hash(subject), System::block_number())
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
	pub const MaxRepairAttempts: u32 = 2;
	pub const MaxDrawAttempts: u32 = 16;
}

impl crate::Config for Test {
	type Plans = MockPlans;
	type Providers = MockProviders;
	type Ratings = MockRatings;
	type Accounts = MockAccounts;
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
	type WeightInfo = ();
}

pub const SPONSOR: AccountId = 1;
/// Hosters 10..=14, encoders 20..=24, attestors 30..=34, all at `u33`.
pub const HOSTERS: [AccountId; 5] = [10, 11, 12, 13, 14];
pub const ENCODERS: [AccountId; 5] = [20, 21, 22, 23, 24];
pub const ATTESTORS: [AccountId; 5] = [30, 31, 32, 33, 34];

pub fn region(s: &str) -> Region {
	Region::new(s.as_bytes()).unwrap()
}

pub fn add_provider(who: AccountId, role: Role, at: &str, capacity: u32) {
	with_world(|w| {
		w.providers.insert((who, role), MockProvider { region: region(at), capacity, booked: 0 })
	});
}

/// A live plan 0 in `u3` with `hosters` hosters per contract.
pub fn add_plan(plan: PlanId, hosters: u8) {
	with_world(|w| {
		w.plans.insert(
			plan,
			PlanTerms {
				sponsor: SPONSOR,
				regions: vec![region("u3")],
				hosters,
				min_performance: Performance { max_latency_ms: 100, min_bandwidth_kbps: 10 },
				root: H256::repeat_byte(5),
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

/// Runs `test` at block 1 with the standard providers, then checks the pallet's invariants.
pub fn new_test_ext(test: impl FnOnce()) {
	WORLD.with(|w| *w.borrow_mut() = World::default());
	for who in HOSTERS {
		add_provider(who, Role::Hoster, "u33", 2);
	}
	for who in ENCODERS {
		add_provider(who, Role::Encoder, "u33", 2);
	}
	for who in ATTESTORS {
		add_provider(who, Role::Attestor, "u33", 2);
	}
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		System::set_block_number(1);
		test();
		Hosting::do_try_state().expect("hosting invariants hold");
	});
}

/// Fresh storage for the benchmark test suite.
#[cfg(feature = "runtime-benchmarks")]
pub fn new_bench_ext() -> sp_io::TestExternalities {
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	sp_io::TestExternalities::new(storage)
}
