//! The weight the runtime charges for each DatDot call at its worst case and for each block's
//! DatDot hooks, beside `pallet_balances::transfer_keep_alive` from the same weights: every
//! worst case must fit in a block. With `DATDOT_PERF_TABLE=<file>` the test also writes the
//! table `docs/PERFORMANCE.md` quotes (`scripts/perf.sh` does that after regenerating every
//! weight in one run).

use codec::Encode;
use datdot_primitives::ContractManager;
use datdot_runtime::{configs::RuntimeBlockWeights, Proofs, Runtime};
use frame_support::{dispatch::DispatchClass, traits::Get, weights::Weight};
use pallet_balances::WeightInfo as _;
use pallet_datdot_accounts::WeightInfo as _;
use pallet_datdot_benchmarks::WeightInfo as _;
use pallet_datdot_hosting::WeightInfo as _;
use pallet_datdot_plans::WeightInfo as _;
use pallet_datdot_proofs::WeightInfo as _;
use pallet_datdot_roles::WeightInfo as _;
use std::fmt::Write;

type Accounts = <Runtime as pallet_datdot_accounts::Config>::WeightInfo;
type Roles = <Runtime as pallet_datdot_roles::Config>::WeightInfo;
type Plans = <Runtime as pallet_datdot_plans::Config>::WeightInfo;
type Hosting = <Runtime as pallet_datdot_hosting::Config>::WeightInfo;
type ProofWeights = <Runtime as pallet_datdot_proofs::Config>::WeightInfo;
type Benchmarks = <Runtime as pallet_datdot_benchmarks::Config>::WeightInfo;
type Balances = <Runtime as pallet_balances::Config>::WeightInfo;

/// A bound of the runtime's configuration.
fn bound<G: Get<u32>>() -> u32 {
	G::get()
}

/// Every DatDot call, at the worst case its weight annotation allows.
fn calls() -> Vec<(&'static str, Weight)> {
	let max_contracts = bound::<<Runtime as pallet_datdot_plans::Config>::MaxContractsPerPlan>();
	let max_hosters = bound::<<Runtime as pallet_datdot_hosting::Config>::MaxHostersPerContract>();
	let max_regions = bound::<<Runtime as pallet_datdot_roles::Config>::MaxRegionsPerProvider>();
	let max_capacity = bound::<<Runtime as pallet_datdot_roles::Config>::MaxCapacity>();
	let max_feed_plans = bound::<<Runtime as pallet_datdot_plans::Config>::MaxPlansPerFeed>();
	let start = <<Runtime as pallet_datdot_plans::Config>::Hosting as ContractManager<
		datdot_runtime::AccountId,
	>>::start_weight(max_contracts);
	let hand_over = <<Runtime as pallet_datdot_roles::Config>::Hosting as ContractManager<
		datdot_runtime::AccountId,
	>>::hand_over_weight(max_capacity);
	vec![
		("accounts.account_create", Accounts::account_create()),
		("accounts.account_update", Accounts::account_update()),
		("accounts.account_delete", Accounts::account_delete()),
		("roles.roles_register", Roles::roles_register(max_regions)),
		("roles.roles_unregister", Roles::roles_unregister(max_regions).saturating_add(hand_over)),
		("roles.roles_set_attestor_key", Roles::roles_set_attestor_key()),
		("plans.plan_subscribe", Plans::plan_subscribe(max_contracts)),
		(
			"plans.plan_update (with an upgrade)",
			Plans::plan_update().max(Plans::plan_upgrade(max_contracts).saturating_add(start)),
		),
		("plans.plan_pause", Plans::plan_pause(max_contracts)),
		("plans.plan_resume", Plans::plan_resume(max_contracts)),
		("plans.plan_unsubscribe", Plans::plan_unsubscribe(max_contracts)),
		("plans.feed_fork_report", Plans::feed_fork_report(max_feed_plans)),
		("hosting.submit_matching", Hosting::submit_matching(max_hosters)),
		(
			"hosting.submit_matching_vote (with its authorization)",
			Hosting::submit_matching(max_hosters)
				.saturating_add(Hosting::authorize_matching_vote(max_hosters)),
		),
		("hosting.hosting_setup_report", Hosting::hosting_setup_report(max_hosters)),
		("proofs.proof_of_storage_request", ProofWeights::proof_of_storage_request(max_hosters)),
		("benchmarks.performance_benchmark_request", Benchmarks::performance_benchmark_request()),
		(
			"benchmarks.performance_benchmark_response",
			Benchmarks::performance_benchmark_response(max_hosters),
		),
	]
}

/// Each block's DatDot hooks at their worst.
fn hooks() -> Vec<(&'static str, Weight)> {
	vec![
		("proofs: a block's challenges and deadlines", Proofs::worst_block_weight()),
		(
			"benchmarks: a block's benchmarks and deadlines",
			datdot_runtime::Benchmarks::worst_block_weight(),
		),
		("scheduler: its share of the block", datdot_runtime::Scheduler::budget()),
	]
}

/// A proof size in bytes, or "no limit" for a bound (or a share of one) of a chain that
/// limits no proof size.
fn bytes(size: u64) -> String {
	if size >= u64::MAX / 16 {
		"no limit".into()
	} else {
		size.to_string()
	}
}

/// `part` as a multiple of `whole`, or `-` when `whole` is zero.
fn ratio(part: u64, whole: u64) -> String {
	if whole == 0 {
		"-".into()
	} else {
		format!("{:.1}", part as f64 / whole as f64)
	}
}

#[test]
fn every_worst_case_fits_in_a_block_and_the_table_compares_it_with_a_transfer() {
	let weights = RuntimeBlockWeights::get();
	let normal = weights.get(DispatchClass::Normal);
	let max_extrinsic = normal.max_extrinsic.expect("normal calls have a limit");
	let room = normal.max_total.expect("normal calls have a share of the block");
	let base = normal.base_extrinsic;
	let transfer = Balances::transfer_keep_alive();
	let per_block = |w: Weight| {
		let one = w.saturating_add(base);
		let by_time = room.ref_time() / one.ref_time().max(1);
		let by_proof = room.proof_size().checked_div(one.proof_size()).unwrap_or(u64::MAX);
		by_time.min(by_proof)
	};

	let mut table = String::new();
	writeln!(
		table,
		"| call (worst case) | ref_time (µs) | proof_size (bytes) | × transfer (time) | × transfer (proof) | per block |"
	)
	.unwrap();
	writeln!(table, "|---|---:|---:|---:|---:|---:|").unwrap();
	let row = |table: &mut String, name: &str, w: Weight| {
		writeln!(
			table,
			"| {name} | {:.1} | {} | {} | {} | {} |",
			w.ref_time() as f64 / 1e6,
			w.proof_size(),
			ratio(w.ref_time(), transfer.ref_time()),
			ratio(w.proof_size(), transfer.proof_size()),
			per_block(w),
		)
		.unwrap();
	};
	row(&mut table, "balances.transfer_keep_alive", transfer);
	for (name, weight) in calls() {
		assert!(max_extrinsic.all_gte(weight), "{name}'s worst case ({weight}) does not fit");
		row(&mut table, name, weight);
	}

	// Answers are operational: they use the room a block keeps for operational transactions,
	// which normal ones cannot take (and the rest of the block when it is free).
	let operational = weights.get(DispatchClass::Operational);
	let (room_weight, room_length) = Proofs::answer_room();
	let (needed_weight, needed_length) = Proofs::answers_per_block();
	let answer = Proofs::heaviest_answer();
	let max_answers = bound::<<Runtime as pallet_datdot_proofs::Config>::MaxAnswersPerCall>();
	let block_of_challenges =
		bound::<<Runtime as pallet_datdot_proofs::Config>::MaxChallengesPerBlock>();
	writeln!(table).unwrap();
	writeln!(
		table,
		"| answers (operational class, worst case) | ref_time (µs) | proof_size (bytes) | × transfer (time) | length (bytes) | in the kept room (by time / by length) |"
	)
	.unwrap();
	writeln!(table, "|---|---:|---:|---:|---:|---:|").unwrap();
	for (name, count) in [
		("proofs.proof_of_storage_response, one answer", 1),
		("proofs.proof_of_storage_response, 16 answers", max_answers),
		("a block's worth of challenges answered", block_of_challenges),
	] {
		let answers = vec![answer.clone(); count as usize];
		let weight = Proofs::answers_weight(&answers);
		let length = (answer.encoded_size() as u64) * u64::from(count);
		if count <= max_answers {
			assert!(
				operational.max_extrinsic.unwrap_or(weights.max_block).all_gte(weight),
				"{name} ({weight}) does not fit"
			);
		}
		writeln!(
			table,
			"| {name} | {:.1} | {} | {} | {length} | {} / {} |",
			weight.ref_time() as f64 / 1e6,
			weight.proof_size(),
			ratio(weight.ref_time(), transfer.ref_time()),
			room_weight.ref_time() / weight.ref_time().max(1),
			u64::from(room_length) / length.max(1),
		)
		.unwrap();
	}
	assert!(room_weight.all_gte(needed_weight) && room_length >= needed_length);
	writeln!(
		table,
		"\nThe room kept for operational transactions: {:.0} ms and {} bytes a block; a block's worth of challenges ({block_of_challenges}) needs {:.0} ms and {needed_length} bytes of answers at worst.",
		room_weight.ref_time() as f64 / 1e9,
		room_length,
		needed_weight.ref_time() as f64 / 1e9,
	)
	.unwrap();
	writeln!(table).unwrap();
	writeln!(table, "| hook (worst case, every block) | ref_time (µs) | proof_size (bytes) | share of the block (time) |").unwrap();
	writeln!(table, "|---|---:|---:|---:|").unwrap();
	for (name, weight) in hooks() {
		assert!(weights.max_block.all_gte(weight), "{name} ({weight}) does not fit");
		writeln!(
			table,
			"| {name} | {:.1} | {} | {:.1} % |",
			weight.ref_time() as f64 / 1e6,
			bytes(weight.proof_size()),
			100.0 * weight.ref_time() as f64 / weights.max_block.ref_time() as f64,
		)
		.unwrap();
	}
	writeln!(
		table,
		"\nA block: {:.0} ms of ref_time, proof size {}; normal calls may use {:.0} ms (proof size {}), each call {:.0} ms; every extrinsic adds {:.1} µs.",
		weights.max_block.ref_time() as f64 / 1e9,
		bytes(weights.max_block.proof_size()),
		room.ref_time() as f64 / 1e9,
		bytes(room.proof_size()),
		max_extrinsic.ref_time() as f64 / 1e9,
		base.ref_time() as f64 / 1e6,
	)
	.unwrap();
	if let Ok(path) = std::env::var("DATDOT_PERF_TABLE") {
		std::fs::write(&path, &table).expect("the table is written");
	}
	println!("{table}");
}
