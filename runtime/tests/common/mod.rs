//! What the runtime tests share: the actors, a funded genesis with their accounts and roles,
//! the test feed, and running blocks with every pallet's invariants checked after each.

#![allow(dead_code)]

use datdot_primitives::feed::{BlockProof, Node, SignedTree, TreeBuilder};
use datdot_primitives::{encoding, ChunkRange, Role};
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

/// `hoster`'s encoded copy of `contract`'s range, of the feed whose blocks `block` gives, and
/// its commitment's leaves.
pub fn copy_of(
	contract: u64,
	hoster: &AccountId,
	block: &dyn Fn(u64) -> Vec<u8>,
) -> (ChunkRange, Vec<Vec<u8>>, Vec<H256>) {
	let stored = pallet_datdot_hosting::Contracts::<datdot_runtime::Runtime>::get(contract)
		.expect("a live contract");
	let position = stored
		.positions
		.iter()
		.find(|p| p.hoster.as_ref() == Some(hoster))
		.expect("a position of the hoster");
	let key = Hosting::copy_key(contract, hoster, &position.seed);
	let range = stored.range;
	let copy: Vec<Vec<u8>> = (range.start..range.end)
		.map(|i| encoding::encode_block(&key, i.into(), &block(i.into())))
		.collect();
	let leaves = copy.iter().map(|b| encoding::leaf(b)).collect();
	(range, copy, leaves)
}

/// The challenged hoster's answer to challenge `id` for `chunks` from its copy, with Hypercore
/// nodes against `length` blocks: `block` gives the feed's blocks, `nodes` a block's nodes.
pub fn answer_from(
	id: u64,
	chunks: &[u32],
	length: u64,
	block: &dyn Fn(u64) -> Vec<u8>,
	nodes: &dyn Fn(u32) -> Vec<Node>,
) -> pallet_datdot_proofs::StorageProof {
	let challenge = pallet_datdot_proofs::Challenges::<datdot_runtime::Runtime>::get(id)
		.expect("an open challenge");
	let (range, copy, leaves) = copy_of(challenge.contract, &challenge.hoster, block);
	let chunks = chunks
		.iter()
		.map(|i| {
			let position = i - range.start;
			pallet_datdot_proofs::ChunkProof {
				encoded: copy[position as usize].clone(),
				copy_path: encoding::commitment_path(&leaves, position).expect("in the range"),
				nodes: nodes(*i),
			}
		})
		.collect();
	pallet_datdot_proofs::StorageProof { challenge: id, length, fork: 0, chunks }
}

/// An answer to challenge `id` for `chunks`, from the hoster's copy of the test feed.
pub fn answer(id: u64, chunks: &[u32]) -> pallet_datdot_proofs::StorageProof {
	answer_from(id, chunks, LENGTH.into(), &block, &|i| block_proof(i).nodes)
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
	match_and_set_up_of(plan, &block)
}

/// [`match_and_set_up`] of a plan over a feed whose blocks `block` gives.
pub fn match_and_set_up_of(plan: u64, block: &dyn Fn(u64) -> Vec<u8>) -> u64 {
	use datdot_primitives::ProviderRegistry;
	use datdot_runtime::Runtime;
	use pallet_datdot_hosting::{CopyConfirmation, HosterSetup, SelectionInput, SetupReport};
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
			let (_, _, leaves) = copy_of(contract, &who(*n), block);
			let commitment = encoding::commitment(&leaves);
			let message =
				Hosting::setup_message(contract, &who(*n), feed, stored.range, &commitment);
			let signature = key(*n).sign(&message).0;
			HosterSetup { hoster: who(*n), copy: Some(CopyConfirmation { commitment, signature }) }
		})
		.collect();
	assert_ok!(Hosting::hosting_setup_report(
		RuntimeOrigin::signed(stored.attestor.unwrap()),
		SetupReport { contract, results }
	));
	contract
}

/// The sponsor publishes the tests' plan: the whole feed, 2 hosters in `u3`, from block `start`.
pub fn subscribe_plan(start: u32) {
	assert_ok!(Plans::plan_subscribe(
		signed(SPONSOR),
		pallet_datdot_plans::PlanInput {
			feed: feed_input(),
			ranges: vec![ChunkRange { start: 0, end: LENGTH }],
			regions: vec![b"u3".to_vec()],
			hosters: Some(2),
			start,
			end: None,
			min_performance: datdot_primitives::Performance {
				max_latency_ms: 1_000,
				min_bandwidth_kbps: 0,
			},
			priority: datdot_primitives::Priority::Normal,
		}
	));
}

/// The latest open challenge of hoster `n` in `contract`, with its chunks.
pub fn open_challenge(contract: u64, n: u8) -> Option<(u64, Vec<u32>)> {
	pallet_datdot_proofs::Challenges::<datdot_runtime::Runtime>::iter()
		.filter(|(_, c)| c.contract == contract && c.hoster == who(n))
		.max_by_key(|(id, _)| *id)
		.map(|(id, c)| (id, c.chunks.into_inner()))
}

/// Hoster `n` answers with `proofs` in one call.
pub fn respond(
	n: u8,
	proofs: Vec<pallet_datdot_proofs::StorageProof>,
) -> sp_runtime::DispatchResult {
	Proofs::proof_of_storage_response(signed(n), proofs.try_into().expect("MaxAnswersPerCall"))
}

/// Hoster `n` answers every challenge it has open in `contract`; returns how many.
pub fn answer_all(contract: u64, n: u8) -> usize {
	let open: Vec<_> = pallet_datdot_proofs::Challenges::<datdot_runtime::Runtime>::iter()
		.filter(|(_, c)| c.contract == contract && c.hoster == who(n))
		.map(|(id, c)| answer(id, &c.chunks))
		.collect();
	let count = open.len();
	if count > 0 {
		assert_ok!(respond(n, open));
	}
	count
}
