//! What the runtime tests share: the actors, a funded genesis with their accounts and roles,
//! the test feed, and running blocks with every pallet's invariants checked after each.

#![allow(dead_code)]

use datdot_primitives::feed::{BlockProof, SignedTree, TreeBuilder};
use datdot_primitives::Role;
use datdot_runtime::{
	Accounts, AllPalletsWithSystem, Balances, Benchmarks, BuildStorage, Hosting, Plans, Proofs,
	Roles, RuntimeEvent, RuntimeGenesisConfig, RuntimeOrigin, Scheduler, System, UNIT,
};
use frame_support::{
	assert_ok,
	traits::{fungible::Mutate, OnInitialize},
};
use sp_core::{ed25519, Pair};
use sp_runtime::AccountId32;

pub type AccountId = AccountId32;

pub const LENGTH: u32 = 16;

pub fn chunk(i: u32) -> Vec<u8> {
	format!("runtime flow chunk {i}").into_bytes()
}

fn block(i: u64) -> Vec<u8> {
	chunk(i as u32)
}

/// The test feed: a Hypercore tree of [`LENGTH`] [`chunk`]s.
pub fn feed_log() -> TreeBuilder<fn(u64) -> Vec<u8>> {
	TreeBuilder::new(LENGTH.into(), block as fn(u64) -> Vec<u8>)
}

/// The key pair of the test feed's author.
pub fn feed_pair() -> ed25519::Pair {
	key(99)
}

/// The test feed as `plan_subscribe` takes it: its key and its tree, signed on fork 0.
pub fn feed_input() -> pallet_datdot_plans::FeedInput {
	let log = feed_log();
	let tree = SignedTree {
		length: LENGTH.into(),
		fork: 0,
		roots: log.roots(),
		signature: feed_pair().sign(&log.signable(0)).0,
	};
	pallet_datdot_plans::FeedInput {
		key: feed_pair().public().0,
		signer: datdot_primitives::feed::Signer::Compat,
		tree,
	}
}

/// Hypercore's proof of block `i` of the test feed.
pub fn block_proof(i: u32) -> BlockProof {
	feed_log().block_proof(0, i.into())
}

/// An answer to challenge `id` for `chunks`, with the test feed's proofs.
pub fn answer(id: u64, chunks: &[u32]) -> pallet_datdot_proofs::StorageProof {
	pallet_datdot_proofs::StorageProof {
		challenge: id,
		length: LENGTH.into(),
		blocks: chunks.iter().map(|i| block_proof(*i)).collect(),
	}
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

/// The position `n` holds in `contract`.
pub fn position_of(contract: u64, n: u8) -> usize {
	let stored = pallet_datdot_hosting::Contracts::<datdot_runtime::Runtime>::get(contract)
		.expect("a live contract");
	stored.positions.iter().position(|p| p.hoster == Some(who(n))).expect("a hoster of it")
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

/// The plan's first contract, drawn: while hoster 12 and encoder 22 are full, two attestors
/// vote the matching rule's selection (hosters 10, 11 and encoders 20, 21, in the rule's order),
/// and the setup attestor confirms both copies, signed over the plan's feed key. Returns it.
pub fn match_and_set_up(plan: u64) -> u64 {
	use datdot_primitives::ProviderRegistry;
	use datdot_runtime::Runtime;
	use pallet_datdot_hosting::{HosterSetup, SelectionInput, SetupReport};
	let contract = pallet_datdot_hosting::PlanContracts::<Runtime>::get(plan)[0];
	let round = pallet_datdot_hosting::Rounds::<Runtime>::get(contract).expect("attestors drawn");
	let spares = [(who(HOSTERS[2]), Role::Hoster), (who(ENCODERS[2]), Role::Encoder)];
	let mut held = Vec::new();
	for (spare, role) in &spares {
		while Roles::book(spare, *role).is_ok() {
			held.push((spare.clone(), *role));
		}
	}
	let rule = Hosting::rule_selection(contract).expect("the rule finds a selection");
	let selection =
		SelectionInput { hosters: rule.hosters.to_vec(), encoders: rule.encoders.to_vec() };
	for attestor in round.attestors.iter().take(2) {
		assert_ok!(Hosting::submit_matching(
			RuntimeOrigin::signed(attestor.clone()),
			contract,
			selection.clone()
		));
	}
	for (spare, role) in held {
		Roles::release(&spare, role);
	}
	let stored = pallet_datdot_hosting::Contracts::<Runtime>::get(contract).unwrap();
	assert!(events().iter().any(|e| matches!(e,
		RuntimeEvent::Hosting(pallet_datdot_hosting::Event::StartHosting { contract: c, .. }) if *c == contract)));
	let feed = pallet_datdot_plans::Plans::<Runtime>::get(plan).expect("a live plan").feed.key;
	let results = HOSTERS[..2]
		.iter()
		.map(|n| {
			let message = Hosting::setup_message(contract, &who(*n), feed, stored.range);
			HosterSetup { hoster: who(*n), signature: Some(key(*n).sign(&message).0) }
		})
		.collect();
	assert_ok!(Hosting::hosting_setup_report(
		RuntimeOrigin::signed(stored.attestor.unwrap()),
		SetupReport { contract, results }
	));
	contract
}
