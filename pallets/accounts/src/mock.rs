//! A runtime with `System`, `Balances` and `Accounts`; account usage is a switch tests flip.

use core::cell::RefCell;
use datdot_primitives::AccountUsage;
use frame_support::{derive_impl, parameter_types, traits::ConstU32};
use sp_runtime::BuildStorage;

use crate as pallet_datdot_accounts;

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;
pub type Balance = u64;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Accounts: pallet_datdot_accounts,
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
	static IN_USE: RefCell<Vec<AccountId>> = const { RefCell::new(Vec::new()) };
}

/// Accounts listed by `set_in_use` count as having a role or plan.
pub struct MockUsage;
impl AccountUsage<AccountId> for MockUsage {
	fn in_use(who: &AccountId) -> bool {
		IN_USE.with(|used| used.borrow().contains(who))
	}
}

pub fn set_in_use(who: AccountId, used: bool) {
	IN_USE.with(|list| {
		let mut list = list.borrow_mut();
		list.retain(|x| *x != who);
		if used {
			list.push(who);
		}
	});
}

parameter_types! {
	pub const AccountDeposit: Balance = 100;
}

impl crate::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type AccountDeposit = AccountDeposit;
	type MaxEndpointLen = ConstU32<16>;
	type Usage = MockUsage;
	type WeightInfo = ();
}

pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
/// Funded below the deposit.
pub const POOR: AccountId = 3;

/// Funds ALICE and BOB; `build_and_execute` runs a test at block 1 and then checks the
/// pallet's invariants.
pub struct ExtBuilder {
	balances: Vec<(AccountId, Balance)>,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self { balances: vec![(ALICE, 1_000), (BOB, 1_000)] }
	}
}

impl ExtBuilder {
	/// Gives `who` a free balance of `amount` at genesis.
	pub fn balance(mut self, who: AccountId, amount: Balance) -> Self {
		self.balances.push((who, amount));
		self
	}

	pub fn build_and_execute(self, test: impl FnOnce()) {
		IN_USE.with(|list| list.borrow_mut().clear());
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_balances::GenesisConfig::<Test> { balances: self.balances, ..Default::default() }
			.assimilate_storage(&mut storage)
			.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| {
			System::set_block_number(1);
			test();
			Accounts::do_try_state().expect("account invariants hold");
		});
	}
}

/// Runs `test` with the default accounts.
pub fn new_test_ext(test: impl FnOnce()) {
	ExtBuilder::default().build_and_execute(test)
}

/// Fresh storage for the benchmark test suite.
#[cfg(feature = "runtime-benchmarks")]
pub fn new_bench_ext() -> sp_io::TestExternalities {
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	// The benchmarks make their signing keys in a keystore, as the node's benchmark CLI gives.
	ext.register_extension(sp_keystore::KeystoreExt::new(
		sp_keystore::testing::MemoryKeystore::new(),
	));
	ext
}
