//! A runtime with `System`, `Balances` and `Roles`. Accounts are the shared test doubles of
//! `datdot_primitives::testing`; hand-overs are a recording mock of this file.

use core::cell::RefCell;
use datdot_primitives::{
	testing::{self, doubles},
	ChunkRange, ContractId, ContractManager, EndReason, PlanId, ProviderRegistry, Role,
};
use frame_support::{derive_impl, parameter_types, traits::ConstU32, weights::Weight};
use sp_runtime::{BuildStorage, DispatchError, DispatchResult};

use crate as pallet_datdot_roles;

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;
pub type Balance = u64;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Roles: pallet_datdot_roles,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

thread_local! {
	/// (who, role) of every hand-over asked for.
	pub static HANDED_OVER: RefCell<Vec<(AccountId, Role)>> = const { RefCell::new(Vec::new()) };
	/// Whether hand-overs release the jobs (a repair that finds replacements).
	pub static HAND_OVER_WORKS: RefCell<bool> = const { RefCell::new(true) };
}

/// Hand-over releases every booked job of the provider, as a successful repair would.
pub struct MockHosting;
impl ContractManager<AccountId> for MockHosting {
	fn open(_: PlanId, _: &[ChunkRange]) -> Result<Vec<ContractId>, DispatchError> {
		Ok(Vec::new())
	}
	fn start(_: PlanId) -> DispatchResult {
		Ok(())
	}
	fn start_weight(_: u32) -> Weight {
		Weight::zero()
	}
	fn pause(_: PlanId) -> DispatchResult {
		Ok(())
	}
	fn resume(_: PlanId, _: bool) -> DispatchResult {
		Ok(())
	}
	fn close(_: PlanId, _: EndReason) {}
	fn hand_over(who: &AccountId, role: Role) -> DispatchResult {
		HANDED_OVER.with(|h| h.borrow_mut().push((*who, role)));
		if HAND_OVER_WORKS.with(|w| *w.borrow()) {
			while crate::Providers::<Test>::get(who, role).is_some_and(|p| p.booked > 0) {
				Roles::release(who, role);
			}
		}
		Ok(())
	}
	fn hand_over_weight(jobs: u32) -> Weight {
		Weight::from_parts(1_000, 0).saturating_mul(jobs.into())
	}
}

parameter_types! {
	pub const RoleDeposit: Balance = 10;
	pub const PoolDepositPerMember: Balance = 2;
	pub const MinReliability: sp_runtime::Permill = sp_runtime::Permill::from_percent(80);
}

impl crate::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Accounts = testing::MockAccounts;
	type Hosting = MockHosting;
	type RoleDeposit = RoleDeposit;
	type PoolDepositPerMember = PoolDepositPerMember;
	type MaxRegionsPerProvider = ConstU32<3>;
	type MaxCapacity = ConstU32<5>;
	type MaxPoolSize = ConstU32<3>;
	type RatingPrecision = ConstU32<3>;
	type MaxSamples = ConstU32<5>;
	type MeasurementQuorum = ConstU32<3>;
	type MinReliability = MinReliability;
	type ReliabilityGrace = ConstU32<4>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockBenchmarkHelper;
	type WeightInfo = ();
}

pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
pub const CHARLIE: AccountId = 3;
pub const DAVE: AccountId = 4;
/// Has an account but no funds for the deposit.
pub const POOR: AccountId = 5;
/// Has no account.
pub const STRANGER: AccountId = 6;

pub use datdot_primitives::testing::region;

/// Places and funds the standard accounts; `build_and_execute` runs a test at block 1 and then
/// checks the pallet's invariants.
pub struct ExtBuilder {
	balances: Vec<(AccountId, Balance)>,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self { balances: vec![(ALICE, 100), (BOB, 100), (CHARLIE, 100), (DAVE, 100)] }
	}
}

impl ExtBuilder {
	/// Gives `who` a free balance of `amount` at genesis.
	pub fn balance(mut self, who: AccountId, amount: Balance) -> Self {
		self.balances.push((who, amount));
		self
	}

	pub fn build_and_execute(self, test: impl FnOnce()) {
		testing::reset();
		doubles(|d| {
			d.without_account.insert(STRANGER);
			d.locations.insert(ALICE, region("u33dc"));
			d.locations.insert(DAVE, region("gc"));
		});
		HANDED_OVER.with(|h| h.borrow_mut().clear());
		HAND_OVER_WORKS.with(|w| *w.borrow_mut() = true);
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_balances::GenesisConfig::<Test> { balances: self.balances, ..Default::default() }
			.assimilate_storage(&mut storage)
			.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| {
			System::set_block_number(1);
			test();
			Roles::do_try_state().expect("role invariants hold");
		});
	}
}

/// Runs `test` with the standard accounts.
pub fn new_test_ext(test: impl FnOnce()) {
	ExtBuilder::default().build_and_execute(test)
}

/// Fresh storage and fresh doubles for the benchmark test suite. The benchmarks set up their
/// accounts through [`MockBenchmarkHelper`].
#[cfg(feature = "runtime-benchmarks")]
pub fn new_bench_ext() -> sp_io::TestExternalities {
	testing::reset();
	HANDED_OVER.with(|h| h.borrow_mut().clear());
	HAND_OVER_WORKS.with(|w| *w.borrow_mut() = true);
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.register_extension(sp_keystore::KeystoreExt::new(
		sp_keystore::testing::MemoryKeystore::new(),
	));
	ext
}

#[cfg(feature = "runtime-benchmarks")]
pub use benchmark_helper::MockBenchmarkHelper;

/// The benchmarks' state on this mock: accounts in the shared doubles, balances and roles in
/// this runtime.
///
/// The suite wipes the storage after each run of a benchmark but not the doubles, so what the
/// helper writes there only ever adds accounts.
#[cfg(feature = "runtime-benchmarks")]
mod benchmark_helper {
	use super::*;
	use codec::Encode;
	use datdot_primitives::{
		attestor::{AttestorId, AttestorPair},
		blake2_256, BenchmarkHelper,
	};
	use frame_support::traits::fungible::Mutate;
	use sp_core::Pair;

	/// The balance the helper gives every account: enough for any deposit of this runtime.
	const FUNDS: Balance = 1_000_000;

	thread_local! {
		/// How many attestor keys the helper made, so that each is fresh.
		static ATTESTOR_KEYS: RefCell<u64> = const { RefCell::new(0) };
	}

	/// Sets up what the role benchmarks start from, as `Accounts` would on the runtime: funded
	/// accounts, placed where asked, whose keys are those `MockAccounts` gives every account.
	/// The mock has no plans or contracts: the methods about them (which the role benchmarks
	/// do not call) make none.
	pub struct MockBenchmarkHelper;

	impl BenchmarkHelper<AccountId> for MockBenchmarkHelper {
		/// Funds `who`, gives it an account in the doubles and places it at `location` (when
		/// that is a valid region).
		fn account(who: &AccountId, location: &[u8]) {
			let _ = <Balances as Mutate<AccountId>>::set_balance(who, FUNDS);
			testing::give_account(*who, location);
		}

		/// Registers `who` through `Roles`, as the runtime's helper does.
		fn provider(who: &AccountId, role: Role, region: &[u8], capacity: u32) {
			Self::account(who, region);
			let form = crate::ProviderFormInput {
				regions: vec![region.to_vec()],
				storage: 1 << 40,
				bandwidth_kbps: 100_000,
				capacity,
				available_from: 0,
				available_until: None,
			};
			let _ = Roles::do_register(*who, role, form);
		}

		/// No plan: the mock has none. Gives the sponsor an account and returns plan 0.
		fn plan(sponsor: &AccountId, _: u32, _: u8, region: &[u8], _: u64, _: u32) -> PlanId {
			Self::account(sponsor, region);
			0
		}

		/// No plan: the mock has none. Gives the sponsor an account and returns plan 0.
		fn active_plan(
			sponsor: &AccountId,
			contracts: u32,
			hosters: u8,
			region: &[u8],
			length: u64,
			block_size: u32,
		) -> PlanId {
			Self::plan(sponsor, contracts, hosters, region, length, block_size)
		}

		/// No contract: the mock has none.
		fn active_contract(
			sponsor: &AccountId,
			_: u8,
			region: &[u8],
			_: u64,
			_: u32,
		) -> Option<ContractId> {
			Self::account(sponsor, region);
			None
		}

		/// Signs with [`testing::signer`], the key `MockAccounts` gives every account.
		fn sign(who: &AccountId, message: &[u8]) -> [u8; 64] {
			testing::signer(*who).sign(message).0
		}

		/// Ties a fresh key to `who` through `Roles`. The key pair is derived from `who` and a
		/// counter rather than kept in a keystore, which the mock does not have.
		fn attestor_key(who: &AccountId) -> AttestorId {
			Self::account(who, b"u33dcu33");
			let nonce = ATTESTOR_KEYS.with(|n| {
				let nonce = *n.borrow();
				*n.borrow_mut() = nonce + 1;
				nonce
			});
			let pair = AttestorPair::from_seed(&blake2_256(
				&(b"datdot/mock-attestor", who, nonce).encode(),
			));
			let key = pair.public();
			let proof = pair.sign(&Roles::attestor_key_message(who, &key));
			let _ = Roles::do_set_attestor_key(*who, key.clone(), proof);
			key
		}
	}
}
