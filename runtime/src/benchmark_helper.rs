//! Builds the cross-pallet state that the DatDot pallets' benchmarks start from: funded
//! accounts with ed25519 keys in the benchmark keystore, registered providers, plans, and
//! contracts taken through matching and setup by the real pallets.

use alloc::{format, vec, vec::Vec};
use codec::Encode;
use datdot_primitives::{
	attestor::AttestorId,
	encoding,
	feed::{benchmark_feed, SignedTree, TreeBuilder, BENCHMARK_KNOWN_BLOCKS},
	BenchmarkHelper, ChunkRange, ContractId, ContractManager, Performance, PlanId, Priority, Role,
};
use frame_support::traits::fungible::Mutate;
use sp_core::{crypto::KeyTypeId, ed25519, H256};
use sp_runtime::RuntimeAppPublic;

use crate::{
	AccountId, Accounts, Balances, Benchmarks, Hosting, Plans, Proofs, Roles, Runtime,
	RuntimeOrigin, UNIT,
};

/// The keystore slot of the benchmark keys.
const KEY_TYPE: KeyTypeId = KeyTypeId(*b"dtdt");

/// The ed25519 key of `who`, derived from its account id (the same on every call).
fn key_of(who: &AccountId) -> ed25519::Public {
	let seed = format!("//datdot//{}", sp_core::hexdisplay::HexDisplay::from(&who.encode()));
	sp_io::crypto::ed25519_generate(KEY_TYPE, Some(seed.into_bytes()))
}

/// A fresh account id for the `n`-th provider of `role` for `plan`.
fn member(role: Role, n: u32, plan: PlanId) -> AccountId {
	AccountId::from(sp_io::hashing::blake2_256(&(b"datdot/bench", role, n, plan).encode()))
}

/// Sets up state for benchmarks on this runtime.
pub struct DatDotBenchmarkHelper;

impl BenchmarkHelper<AccountId> for DatDotBenchmarkHelper {
	fn account(who: &AccountId, location: &[u8]) {
		let _ = Balances::set_balance(who, 1_000_000 * UNIT);
		if pallet_datdot_accounts::Accounts::<Runtime>::contains_key(who) {
			return;
		}
		let signing_key = key_of(who).0;
		let profile = pallet_datdot_accounts::ProfileInput {
			signing_key,
			key_proof: Self::sign(who, &Accounts::key_message(who, &signing_key)),
			noise_key: [7; 32],
			location: location.to_vec(),
			endpoint: Some(b"/ip4/127.0.0.1/tcp/4000".to_vec()),
		};
		let _ = Accounts::do_create(who.clone(), profile);
	}

	fn provider(who: &AccountId, role: Role, region: &[u8], capacity: u32) {
		Self::account(who, region);
		let form = pallet_datdot_roles::ProviderFormInput {
			regions: vec![region.to_vec()],
			storage: 1 << 40,
			bandwidth_kbps: 100_000,
			capacity,
			available_from: 0,
			available_until: None,
		};
		let _ = Roles::do_register(who.clone(), role, form);
	}

	fn plan(
		sponsor: &AccountId,
		contracts: u32,
		hosters: u8,
		region: &[u8],
		length: u64,
		block_size: u32,
	) -> PlanId {
		Self::account(sponsor, region);
		let log = benchmark_feed(length, block_size);
		let tree = SignedTree {
			length,
			fork: 0,
			roots: log.roots(),
			signature: Self::sign(sponsor, &log.signable(0)),
		};
		let feed = pallet_datdot_plans::FeedInput {
			key: key_of(sponsor).0,
			signer: datdot_primitives::feed::Signer::Compat,
			tree,
		};
		// One contract covers the feed's known blocks (so a benchmark can hold a huge feed of
		// which it knows only those); more are made of one-block ranges.
		let known = length.min(BENCHMARK_KNOWN_BLOCKS) as u32;
		let ranges: Vec<ChunkRange> = if contracts <= 1 {
			vec![ChunkRange { start: 0, end: known }]
		} else {
			(0..contracts).map(|i| ChunkRange { start: i, end: i + 1 }).collect()
		};
		let plan = pallet_datdot_plans::NextPlanId::<Runtime>::get();
		let input = pallet_datdot_plans::PlanInput {
			feed,
			ranges,
			regions: vec![region.to_vec()],
			hosters: Some(hosters),
			start: frame_system::Pallet::<Runtime>::block_number(),
			end: None,
			min_performance: Performance { max_latency_ms: 10_000, min_bandwidth_kbps: 0 },
			priority: Priority::Normal,
		};
		let _ = Plans::do_subscribe(sponsor.clone(), input);
		plan
	}

	fn active_plan(
		sponsor: &AccountId,
		contracts: u32,
		hosters: u8,
		region: &[u8],
		length: u64,
		block_size: u32,
	) -> PlanId {
		let plan = Self::plan(sponsor, contracts, hosters, region, length, block_size);
		for contract in activate(plan, hosters, region, length, block_size) {
			let origin = RuntimeOrigin::signed(sponsor.clone());
			let _ = Proofs::proof_of_storage_request(
				origin.clone(),
				pallet_datdot_proofs::ChallengeRequest { contract },
			);
			let _ = Benchmarks::performance_benchmark_request(
				origin,
				pallet_datdot_benchmarks::BenchmarkRequest { contract },
			);
		}
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
		let active = pallet_datdot_hosting::Contracts::<Runtime>::get(contract)
			.is_some_and(|c| c.status == datdot_primitives::ContractStatus::Active);
		active.then_some(contract)
	}

	fn sign(who: &AccountId, message: &[u8]) -> [u8; 64] {
		let public = key_of(who);
		sp_io::crypto::ed25519_sign(KEY_TYPE, &public, message).map(|s| s.0).unwrap_or([0; 64])
	}

	fn attestor_key(who: &AccountId) -> AttestorId {
		Self::account(who, b"u33dcu33");
		let key = AttestorId::generate_pair(None);
		if let Some(proof) = key.sign(&Roles::attestor_key_message(who, &key)) {
			let _ = Roles::roles_set_attestor_key(
				RuntimeOrigin::signed(who.clone()),
				key.clone(),
				proof,
			);
		}
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
/// providers in `region`. Returns the contracts.
fn activate(
	plan: PlanId,
	hosters: u8,
	region: &[u8],
	length: u64,
	block_size: u32,
) -> Vec<ContractId> {
	let log = benchmark_feed(length, block_size);
	let feed =
		pallet_datdot_plans::Plans::<Runtime>::get(plan).map(|p| p.feed.key).unwrap_or_default();
	let contracts = pallet_datdot_hosting::PlanContracts::<Runtime>::get(plan).into_inner();
	let capacity = (contracts.len() as u32).max(1) + 1;
	let make = |role, count: u32| -> Vec<AccountId> {
		(0..count)
			.map(|n| {
				let who = member(role, n, plan);
				DatDotBenchmarkHelper::provider(&who, role, region, capacity);
				who
			})
			.collect()
	};
	// One attestor more than a round draws, free to measure the contracts later.
	make(Role::Attestor, 4);
	// Three times as many hosters and encoders as positions: the rule's probes find a free one
	// for the last position too.
	make(Role::Hoster, 3 * u32::from(hosters));
	make(Role::Encoder, 3 * u32::from(hosters));
	let _ = <Hosting as ContractManager<AccountId>>::start(plan);
	for contract in &contracts {
		let contract = *contract;
		let voters = pallet_datdot_hosting::Rounds::<Runtime>::get(contract)
			.map(|round| round.attestors.into_inner())
			.unwrap_or_default();
		let Ok(rule) = Hosting::rule_selection(contract) else {
			continue;
		};
		for voter in voters.iter().take(2) {
			let selection = pallet_datdot_hosting::SelectionInput {
				hosters: rule.hosters.to_vec(),
				encoders: rule.encoders.to_vec(),
			};
			let _ = Hosting::do_submit_matching(voter.clone(), contract, selection);
		}
		let Some(stored) = pallet_datdot_hosting::Contracts::<Runtime>::get(contract) else {
			continue;
		};
		let results = stored
			.positions
			.iter()
			.filter_map(|position| {
				let hoster = position.hoster.as_ref()?;
				let commitment = commitment(contract, hoster, &position.seed, stored.range, &log);
				let message =
					Hosting::setup_message(contract, hoster, feed, stored.range, &commitment);
				let signature = DatDotBenchmarkHelper::sign(hoster, &message);
				Some(pallet_datdot_hosting::HosterSetup {
					hoster: hoster.clone(),
					copy: Some(pallet_datdot_hosting::CopyConfirmation { commitment, signature }),
				})
			})
			.collect();
		if let Some(attestor) = stored.attestor {
			let report = pallet_datdot_hosting::SetupReport { contract, results };
			let _ = Hosting::do_setup_report(attestor, report);
		}
	}
	contracts
}
