//! What the runtime tests share: the actors, a funded genesis with their accounts and roles,
//! the test feed, and running blocks with every pallet's invariants checked after each.

#![allow(dead_code)]

use datdot_primitives::Role;
use datdot_runtime::{
	Accounts, AllPalletsWithSystem, Balances, Benchmarks, BuildStorage, Hosting, Plans, Proofs,
	Roles, RuntimeEvent, RuntimeGenesisConfig, RuntimeOrigin, Scheduler, System, UNIT,
};
use frame_support::{
	assert_ok,
	traits::{fungible::Mutate, OnInitialize},
};
use sp_core::{ed25519, Pair, H256};
use sp_runtime::AccountId32;

pub type AccountId = AccountId32;

pub const LENGTH: u32 = 16;

pub fn chunk(i: u32) -> Vec<u8> {
	format!("runtime flow chunk {i}").into_bytes()
}

pub fn chunks() -> Vec<Vec<u8>> {
	(0..LENGTH).map(chunk).collect()
}

pub fn root() -> H256 {
	datdot_primitives::proof::merkle_root(&chunks())
}

pub fn path(i: u32) -> Vec<H256> {
	datdot_primitives::proof::merkle_path(&chunks(), i)
}

pub fn who(n: u8) -> AccountId {
	AccountId::new([n; 32])
}

pub fn key(n: u8) -> ed25519::Pair {
	ed25519::Pair::from_seed(&[n; 32])
}

pub fn signed(n: u8) -> RuntimeOrigin {
	RuntimeOrigin::signed(who(n))
}

pub const SPONSOR: u8 = 1;
pub const HOSTERS: [u8; 3] = [10, 11, 12];
pub const ENCODERS: [u8; 3] = [20, 21, 22];
pub const ATTESTORS: [u8; 4] = [30, 31, 32, 33];

pub fn all_invariants() {
	datdot_runtime::Accounts::do_try_state().expect("accounts");
	Roles::do_try_state().expect("roles");
	Plans::do_try_state().expect("plans");
	Hosting::do_try_state().expect("hosting");
	Proofs::do_try_state().expect("proofs");
	Benchmarks::do_try_state().expect("benchmarks");
	Scheduler::do_try_state().expect("scheduler");
}

/// Runs the blocks after the current one up to `n`, each with every pallet's `on_initialize`.
pub fn run_to(n: u32) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		AllPalletsWithSystem::on_initialize(next);
		all_invariants();
	}
}

pub fn events() -> Vec<RuntimeEvent> {
	System::events().into_iter().map(|r| r.event).collect()
}

pub fn new_ext() -> sp_io::TestExternalities {
	let storage = RuntimeGenesisConfig::default().build_storage().unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		System::set_block_number(1);
		for n in [SPONSOR].iter().chain(&HOSTERS).chain(&ENCODERS).chain(&ATTESTORS) {
			let _ = Balances::set_balance(&who(*n), 1_000 * UNIT);
			let signing_key = key(*n).public().0;
			let key_proof = key(*n).sign(&Accounts::key_message(&who(*n), &signing_key)).0;
			assert_ok!(Accounts::account_create(
				signed(*n),
				pallet_datdot_accounts::ProfileInput {
					signing_key,
					key_proof,
					noise_key: [0; 32],
					location: b"u33dc".to_vec(),
					endpoint: None,
				}
			));
		}
		let form = |capacity| pallet_datdot_roles::ProviderFormInput {
			regions: vec![b"u33".to_vec()],
			storage: 1 << 30,
			bandwidth_kbps: 10_000,
			capacity,
			available_from: 0,
			available_until: None,
		};
		for n in HOSTERS {
			assert_ok!(Roles::roles_register(signed(n), Role::Hoster, form(2)));
		}
		for n in ENCODERS {
			assert_ok!(Roles::roles_register(signed(n), Role::Encoder, form(2)));
		}
		for n in ATTESTORS {
			assert_ok!(Roles::roles_register(signed(n), Role::Attestor, form(4)));
		}
	});
	ext
}
