//! Real Hypercores on the real runtime: a core made by the `hypercore` npm package
//! (`tests/hypercore/fixtures`) is hosted under its own key, its challenges are answered with
//! the proofs Hypercore gave, it grows with Hypercore's upgrade proof, and a key that signed two
//! histories ends its plans.

mod common;

use common::*;
use datdot_primitives::{
	feed::{BlockProof, Signer},
	ChunkRange, EndReason, Performance, Priority,
};
use datdot_runtime::{Plans, Proofs, Runtime, RuntimeEvent, System};
use frame_support::{assert_noop, assert_ok};
use hypercore_verify::json::{block_proof, bytes, feed_key, nodes, read, signed_tree};
use pallet_datdot_plans::{FeedInput, FeedUpgrade, PlanInput, PlanUpdate};
use pallet_datdot_proofs::ChallengeRequest;
use serde_json::Value;

fn fixture(name: &str) -> Value {
	read(&hypercore_verify::json::fixtures(env!("CARGO_MANIFEST_DIR"), "fixtures").join(name))
}

/// The grown core of `upgrades.json` at `length` blocks.
fn tree_at(length: u64) -> Value {
	let fixture = fixture("upgrades.json");
	fixture["trees"]
		.as_array()
		.unwrap()
		.iter()
		.find(|t| t["length"].as_u64() == Some(length))
		.cloned()
		.expect("a tree of that length")
}

/// Hypercore's proof of block `index` against the tree of `length` blocks.
fn proof_at(length: u64, index: u32) -> BlockProof {
	let fixture = fixture("upgrades.json");
	let proof = fixture["proofs"]
		.as_array()
		.unwrap()
		.iter()
		.find(|p| p["length"].as_u64() == Some(length) && p["index"].as_u64() == Some(index.into()))
		.expect("a proof of that block");
	block_proof(proof)
}

/// Block `index` of the grown core of `upgrades.json`.
fn fixture_block(index: u64) -> Vec<u8> {
	proof_at(3, index as u32).value
}

/// A plan hosting blocks `0..end` of the fixture core `tree`, from the next block.
fn plan_input(tree: &Value, end: u32) -> PlanInput<u32> {
	let feed = feed_key(tree);
	PlanInput {
		feed: FeedInput { key: feed.key, signer: feed.signer, tree: signed_tree(tree) },
		ranges: vec![ChunkRange { start: 0, end }],
		regions: vec![b"u3".to_vec()],
		hosters: Some(2),
		start: System::block_number() + 1,
		end: None,
		min_performance: Performance { max_latency_ms: 1_000, min_bandwidth_kbps: 0 },
		priority: Priority::Normal,
	}
}

fn subscribe(tree: &Value, end: u32) -> u64 {
	let plan = pallet_datdot_plans::NextPlanId::<Runtime>::get();
	assert_ok!(Plans::plan_subscribe(signed(SPONSOR), plan_input(tree, end)));
	plan
}

/// Challenges `contract` now and returns hoster 10's challenge and blocks.
fn challenge(contract: u64) -> (u64, Vec<u32>) {
	assert_ok!(Proofs::proof_of_storage_request(signed(SPONSOR), ChallengeRequest { contract }));
	open_challenge(contract, HOSTERS[0]).expect("challenged")
}

fn accepted(id: u64) -> bool {
	events().iter().any(|e| {
		matches!(e, RuntimeEvent::Proofs(pallet_datdot_proofs::Event::ProofAccepted { challenge, .. }) if *challenge == id)
	})
}

#[test]
fn a_real_hypercore_is_hosted_proven_and_grown_under_its_own_key() {
	new_ext().execute_with(|| {
		// A default core (`new Hypercore(storage)`): its key is its manifest's hash.
		let three = tree_at(3);
		assert!(matches!(feed_key(&three).signer, Signer::DefaultManifest(_)));
		let plan = subscribe(&three, 3);
		run_to(System::block_number() + 1);
		let contract = match_and_set_up_of(plan, &fixture_block);
		all_invariants();

		let (id, blocks) = challenge(contract);
		assert_eq!(blocks.len(), 1, "one block a challenge");
		assert!(blocks[0] < 3, "a block of the range");
		let answer = |length: u64, blocks: &[u32]| {
			answer_from(id, blocks, length, &fixture_block, &|i| proof_at(length, i).nodes)
		};
		let mut tampered = answer(3, &blocks);
		tampered.chunks[0].encoded[0] ^= 1;
		assert_noop!(
			respond(HOSTERS[0], vec![tampered]),
			pallet_datdot_proofs::Error::<Runtime>::NotInCopy
		);
		// Hypercore's own proofs of the blocks, without the hoster's copy, prove nothing.
		let mut plain = answer(3, &blocks);
		for (chunk, i) in plain.chunks.iter_mut().zip(&blocks) {
			chunk.encoded = fixture_block((*i).into());
		}
		assert_noop!(
			respond(HOSTERS[0], vec![plain]),
			pallet_datdot_proofs::Error::<Runtime>::NotInCopy
		);
		assert_ok!(respond(HOSTERS[0], vec![answer(3, &blocks)]));
		assert!(accepted(id));

		// The log grew to 4 blocks: Hypercore's upgrade proof from 3, the new signature, and
		// the new blocks to host.
		let fixture = fixture("upgrades.json");
		let step = fixture["upgrades"]
			.as_array()
			.unwrap()
			.iter()
			.find(|u| u["from"].as_u64() == Some(3) && u["to"].as_u64() == Some(4))
			.cloned()
			.expect("3 -> 4");
		run_to(System::block_number() + 3);
		assert_ok!(Plans::plan_update(
			signed(SPONSOR),
			plan,
			PlanUpdate {
				end: None,
				priority: None,
				min_performance: None,
				upgrade: Some(FeedUpgrade {
					length: 4,
					nodes: nodes(&step["nodes"]),
					signature: bytes(&step["signature"]),
					ranges: vec![ChunkRange { start: 3, end: 4 }],
				}),
			}
		));
		assert!(events().iter().any(|e| matches!(e,
			RuntimeEvent::Plans(pallet_datdot_plans::Event::FeedUpgraded { plan: p, length: 4, contracts: 1 }) if *p == plan)));
		let stored = pallet_datdot_plans::Plans::<Runtime>::get(plan).unwrap();
		assert_eq!(stored.feed.length, 4);
		let held = pallet_datdot_plans::FeedTrees::<Runtime>::get(plan).unwrap();
		assert_eq!(held.roots.to_vec(), signed_tree(&tree_at(4)).roots);
		assert_eq!(pallet_datdot_hosting::PlanContracts::<Runtime>::get(plan).len(), 2);

		// Answers now prove against 4 blocks: one made for 3 is stale, and changes nothing.
		run_to(System::block_number() + 10);
		let (id, blocks) = challenge(contract);
		let answer = |length: u64| {
			answer_from(id, &blocks, length, &fixture_block, &|i| proof_at(length, i).nodes)
		};
		assert_noop!(
			respond(HOSTERS[0], vec![answer(3)]),
			pallet_datdot_proofs::Error::<Runtime>::StaleFeed
		);
		assert_ok!(respond(HOSTERS[0], vec![answer(4)]));
		assert!(accepted(id));
		all_invariants();
	});
}

#[test]
fn a_key_that_signed_two_histories_ends_its_plans() {
	new_ext().execute_with(|| {
		let fork = fixture("fork.json");
		let (a, b) = (&fork["sameLength"]["a"], &fork["sameLength"]["b"]);
		let plan = subscribe(a, 5);
		let feed = feed_key(a);
		// An honest extension and a truncation are no fork.
		let consistent = &fork["consistent"];
		let node_proof = hypercore_verify::json::node_proof(&consistent["hashProofs"][0]);
		assert_noop!(
			Plans::feed_fork_report(
				signed(ATTESTORS[0]),
				feed,
				signed_tree(&consistent["a"]),
				signed_tree(&consistent["b"]),
				Some(node_proof)
			),
			pallet_datdot_plans::Error::<Runtime>::NotConflicting
		);
		assert_ok!(Plans::feed_fork_report(
			signed(ATTESTORS[0]),
			feed,
			signed_tree(a),
			signed_tree(b),
			None
		));
		run_to(System::block_number() + 1);
		assert!(events().iter().any(|e| matches!(e,
			RuntimeEvent::Plans(pallet_datdot_plans::Event::EndPlan { plan: p, reason: EndReason::FeedForked }) if *p == plan)));
		assert!(pallet_datdot_plans::Plans::<Runtime>::get(plan).is_none());
		assert_noop!(
			Plans::plan_subscribe(signed(SPONSOR), plan_input(a, 5)),
			pallet_datdot_plans::Error::<Runtime>::FeedForked
		);
		all_invariants();
	});
}
