//! Unit tests of challenges, answers and deadlines.

use crate::{
	mock::*, AnswersOf, ChallengeRequest, Challenged, Challenges, Deadlines, Error, Event,
	Failures, PositionCount, PositionIndex, Positions, StorageProof, Sweep,
};
use datdot_primitives::encoding::{self, HostedCopy};
use datdot_primitives::{
	testing::{doubles, region},
	ContractObserver, ContractStatus, Rating,
};
use frame_support::{assert_noop, assert_ok, traits::Hooks};
use sp_core::H256;
use sp_runtime::{
	traits::TransactionExtension,
	transaction_validity::{InvalidTransaction, TransactionSource, TransactionValidityError},
	DispatchError, Weight,
};
use std::collections::BTreeMap;

fn rating(who: AccountId) -> Rating {
	doubles(|d| d.ratings.get(&(who, region("u3"))).copied().unwrap_or_default())
}

fn request() -> ChallengeRequest {
	ChallengeRequest { contract: 0 }
}

/// The id and chunks of `hoster`'s latest open challenge in `contract`.
fn open_in(contract: u64, hoster: AccountId) -> (u64, Vec<u32>) {
	Challenges::<Test>::iter()
		.filter(|(_, c)| c.contract == contract && c.hoster == hoster)
		.max_by_key(|(id, _)| *id)
		.map(|(id, c)| (id, c.chunks.into_inner()))
		.expect("an open challenge")
}

/// The id and chunks of `hoster`'s latest open challenge in contract 0.
fn challenge_of(hoster: AccountId) -> (u64, Vec<u32>) {
	open_in(0, hoster)
}

/// The challenged hoster's answer from its copy (HOSTER_A's once the challenge is closed).
fn honest_answer(id: u64, chunks: &[u32]) -> StorageProof {
	let hoster = Challenges::<Test>::get(id).map_or(HOSTER_A, |c| c.hoster);
	StorageProof {
		challenge: id,
		length: FEED_LENGTH.into(),
		fork: 0,
		chunks: chunks.iter().map(|i| chunk_proof(hoster, *i)).collect(),
	}
}

/// One call's answers.
fn answers(proofs: Vec<StorageProof>) -> AnswersOf<Test> {
	proofs.try_into().expect("within MaxAnswersPerCall")
}

/// `who` answers with `proofs` in one call.
fn respond(who: AccountId, proofs: Vec<StorageProof>) -> sp_runtime::DispatchResult {
	Proofs::proof_of_storage_response(RuntimeOrigin::signed(who), answers(proofs))
}

/// The sponsor challenges the hosters of contracts `0..contracts`.
fn request_each(contracts: u64) {
	for contract in 0..contracts {
		assert_ok!(Proofs::proof_of_storage_request(
			RuntimeOrigin::signed(SPONSOR),
			ChallengeRequest { contract }
		));
	}
}

/// Runs block `n`'s hook: its deadlines pass, then its challenges are opened.
fn run_block(n: u64) {
	set_block(n);
	Proofs::on_initialize(n);
}

/// Block `n`'s deadlines pass, and nothing else.
fn expire(n: u64) {
	set_block(n);
	Proofs::expire(n);
}

/// The challenges announced by `ProvideProofOfStorage` events so far.
fn announced() -> Vec<Challenged<AccountId, ChunksPerChallenge>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::Proofs(Event::ProvideProofOfStorage { challenges, .. }) => {
				Some(challenges.into_inner())
			}
			_ => None,
		})
		.flatten()
		.collect()
}

#[test]
fn a_request_challenges_every_hoster_with_distinct_chunks_of_the_range() {
	new_test_ext(|| {
		assert_ok!(Proofs::proof_of_storage_request(RuntimeOrigin::signed(SPONSOR), request()));
		for hoster in [HOSTER_A, HOSTER_B] {
			let (id, chunks) = challenge_of(hoster);
			assert_eq!(chunks.len(), 3);
			assert!(chunks.iter().all(|c| RANGE.start <= *c && *c < RANGE.end));
			assert!(chunks.windows(2).all(|w| w[0] < w[1]), "distinct and ascending");
			// The deadline passes after the last block in which an answer counts.
			assert!(Deadlines::<Test>::get(12).contains(&id));
		}
		let mut expected = vec![];
		for hoster in [HOSTER_A, HOSTER_B] {
			let (challenge, chunks) = challenge_of(hoster);
			let chunks = chunks.try_into().unwrap();
			expected.push(Challenged { challenge, hoster, contract: 0, chunks });
		}
		let mut challenges = announced();
		challenges.sort_by_key(|c| c.challenge);
		expected.sort_by_key(|c| c.challenge);
		assert_eq!(challenges, expected);
		assert!(matches!(
			System::events().last().map(|e| &e.event),
			Some(RuntimeEvent::Proofs(Event::ProvideProofOfStorage { deadline: 11, .. }))
		));
	});
}

#[test]
fn requests_are_for_sponsors_of_running_contracts() {
	new_test_ext(|| {
		assert_noop!(
			Proofs::proof_of_storage_request(RuntimeOrigin::signed(HOSTER_A), request()),
			Error::<Test>::NotSponsor
		);
		assert_noop!(
			Proofs::proof_of_storage_request(
				RuntimeOrigin::signed(SPONSOR),
				ChallengeRequest { contract: 5 }
			),
			Error::<Test>::UnknownContract
		);
		assert_noop!(
			Proofs::proof_of_storage_request(RuntimeOrigin::root(), request()),
			DispatchError::BadOrigin
		);
		with_world(|w| w.status.insert(0, ContractStatus::Paused));
		Proofs::stopped(0);
		assert_noop!(
			Proofs::proof_of_storage_request(RuntimeOrigin::signed(SPONSOR), request()),
			Error::<Test>::NothingToChallenge
		);
	});
}

#[test]
fn a_request_that_would_overfill_its_deadline_block_is_refused() {
	ExtBuilder::default().contracts(5).build_and_execute(|| {
		// MaxChallengesPerBlock is 8: four requests of two hosters fill the bucket.
		for contract in 0..4 {
			assert_ok!(Proofs::proof_of_storage_request(
				RuntimeOrigin::signed(SPONSOR),
				ChallengeRequest { contract }
			));
		}
		assert_noop!(
			Proofs::proof_of_storage_request(
				RuntimeOrigin::signed(SPONSOR),
				ChallengeRequest { contract: 4 }
			),
			Error::<Test>::TooManyChallenges
		);
		set_block(2);
		assert_ok!(Proofs::proof_of_storage_request(
			RuntimeOrigin::signed(SPONSOR),
			ChallengeRequest { contract: 4 }
		));
	});
}

#[test]
fn a_correct_answer_is_accepted_and_counted() {
	new_test_ext(|| {
		assert_ok!(Proofs::proof_of_storage_request(RuntimeOrigin::signed(SPONSOR), request()));
		let (id, chunks) = challenge_of(HOSTER_A);
		assert_ok!(respond(HOSTER_A, vec![honest_answer(id, &chunks)]));
		System::assert_last_event(
			Event::ProofAccepted { challenge: id, hoster: HOSTER_A, contract: 0 }.into(),
		);
		assert!(Challenges::<Test>::get(id).is_none());
		let rating = rating(HOSTER_A);
		assert_eq!((rating.challenges_issued, rating.challenges_passed), (1, 1));
		// Its deadline passes without a word.
		let events = System::events().len();
		expire(12);
		assert_eq!(System::events().len(), events + 1, "only HOSTER_B's miss");
		assert_eq!(self::rating(HOSTER_A), rating);
	});
}

#[test]
fn one_call_answers_many_challenges_and_one_bad_answer_fails_them_all() {
	ExtBuilder::default().contracts(2).build_and_execute(|| {
		request_each(2);
		let (first, chunks_first) = open_in(0, HOSTER_A);
		let (second, chunks_second) = open_in(1, HOSTER_A);
		let mut bad = honest_answer(second, &chunks_second);
		bad.chunks[0].encoded[0] ^= 1;
		assert_noop!(
			respond(HOSTER_A, vec![honest_answer(first, &chunks_first), bad]),
			Error::<Test>::NotInCopy
		);
		assert_noop!(respond(HOSTER_A, vec![]), Error::<Test>::NoAnswers);
		assert_noop!(
			respond(
				HOSTER_A,
				vec![honest_answer(first, &chunks_first), honest_answer(first, &chunks_first)]
			),
			Error::<Test>::DuplicateAnswer
		);
		assert_eq!(rating(HOSTER_A), Rating::default(), "nothing counted");
		assert_ok!(respond(
			HOSTER_A,
			vec![honest_answer(first, &chunks_first), honest_answer(second, &chunks_second)]
		));
		assert!(Challenges::<Test>::get(first).is_none());
		assert!(Challenges::<Test>::get(second).is_none());
		assert_eq!(rating(HOSTER_A).challenges_passed, 2);
	});
}

#[test]
fn wrong_answers_are_refused_and_change_nothing() {
	new_test_ext(|| {
		assert_ok!(Proofs::proof_of_storage_request(RuntimeOrigin::signed(SPONSOR), request()));
		let (id, chunks) = challenge_of(HOSTER_A);
		let send = |who, proof| respond(who, vec![proof]);
		assert_noop!(send(HOSTER_A, honest_answer(99, &chunks)), Error::<Test>::UnknownChallenge);
		assert_noop!(
			send(HOSTER_B, honest_answer(id, &chunks)),
			Error::<Test>::NotChallengedHoster
		);
		assert_noop!(send(HOSTER_A, honest_answer(id, &chunks[..2])), Error::<Test>::WrongChunks);
		let mut reversed = chunks.clone();
		reversed.reverse();
		assert_noop!(send(HOSTER_A, honest_answer(id, &reversed)), Error::<Test>::NotInCopy);
		// The feed's own blocks, or another hoster's copy, do not answer for this copy.
		let mut plain = honest_answer(id, &chunks);
		for (answer, i) in plain.chunks.iter_mut().zip(&chunks) {
			answer.encoded = chunk(*i);
		}
		assert_noop!(send(HOSTER_A, plain), Error::<Test>::NotInCopy);
		let mut borrowed = honest_answer(id, &chunks);
		borrowed.chunks = chunks.iter().map(|i| chunk_proof(HOSTER_B, *i)).collect();
		assert_noop!(send(HOSTER_A, borrowed), Error::<Test>::NotInCopy);

		// A block, a commitment path or a Hypercore node that is not the copy's or the feed's.
		let mut tampered = honest_answer(id, &chunks);
		tampered.chunks[1].encoded[0] ^= 1;
		assert_noop!(send(HOSTER_A, tampered), Error::<Test>::NotInCopy);
		let mut bent = honest_answer(id, &chunks);
		bent.chunks[1].copy_path[0].0[0] ^= 1;
		assert_noop!(send(HOSTER_A, bent), Error::<Test>::NotInCopy);
		let mut wrong_node = honest_answer(id, &chunks);
		wrong_node.chunks[0].nodes[0].hash = [9; 32];
		assert_noop!(send(HOSTER_A, wrong_node), Error::<Test>::InvalidProof);
		let mut resized = honest_answer(id, &chunks);
		resized.chunks[0].nodes[1].size += 1;
		assert_noop!(send(HOSTER_A, resized), Error::<Test>::WrongSize);
		let mut moved = honest_answer(id, &chunks);
		moved.chunks[0].nodes[1].index += 4;
		assert_noop!(send(HOSTER_A, moved), Error::<Test>::WrongNodeIndex);
		// Another chunk of the copy, in the place of the one asked for.
		let mut swapped = honest_answer(id, &chunks);
		swapped.chunks[2] = chunk_proof(HOSTER_A, chunks[0]);
		assert_noop!(send(HOSTER_A, swapped), Error::<Test>::NotInCopy);
		let mut other_fork = honest_answer(id, &chunks);
		other_fork.fork = 1;
		assert_noop!(send(HOSTER_A, other_fork), Error::<Test>::WrongFork);
		let mut stale = honest_answer(id, &chunks);
		stale.length = 15;
		assert_noop!(send(HOSTER_A, stale), Error::<Test>::StaleFeed);

		let mut big = honest_answer(id, &chunks);
		big.chunks[0].encoded = vec![0; 129];
		assert_noop!(send(HOSTER_A, big), Error::<Test>::ChunkTooLarge);
		let mut long = honest_answer(id, &chunks);
		long.chunks[0].nodes = vec![block_proof(0).nodes[0]; 53];
		assert_noop!(send(HOSTER_A, long), Error::<Test>::PathTooLong);
		let mut long_path = honest_answer(id, &chunks);
		long_path.chunks[0].copy_path = vec![H256::zero(); 33];
		assert_noop!(send(HOSTER_A, long_path), Error::<Test>::CopyPathTooLong);
		let mut short = honest_answer(id, &chunks);
		short.chunks[0].nodes.pop();
		assert_noop!(send(HOSTER_A, short), Error::<Test>::WrongPathLength);
		let mut padded = honest_answer(id, &chunks);
		padded.chunks[0].nodes.push(block_proof(0).nodes[0]);
		assert_noop!(send(HOSTER_A, padded), Error::<Test>::WrongPathLength);
		assert_noop!(
			Proofs::proof_of_storage_response(
				RuntimeOrigin::none(),
				answers(vec![honest_answer(id, &chunks)])
			),
			DispatchError::BadOrigin
		);
		// After all that, the honest answer still counts.
		assert_ok!(send(HOSTER_A, honest_answer(id, &chunks)));
	});
}

#[test]
fn a_missed_deadline_counts_and_repeated_misses_replace_the_hoster() {
	new_test_ext(|| {
		for round in 1..=2u32 {
			let at = u64::from(round) * 10;
			set_block(at);
			assert_ok!(Proofs::proof_of_storage_request(RuntimeOrigin::signed(SPONSOR), request()));
			let (id, _) = challenge_of(HOSTER_A);
			let (id_b, chunks_b) = challenge_of(HOSTER_B);
			assert_ok!(respond(HOSTER_B, vec![honest_answer(id_b, &chunks_b)]));
			expire(at + 11);
			System::assert_has_event(
				Event::ProofMissed {
					challenge: id,
					hoster: HOSTER_A,
					contract: 0,
					consecutive_failures: round,
				}
				.into(),
			);
			assert!(Challenges::<Test>::get(id).is_none());
			assert!(Deadlines::<Test>::get(at + 11).is_empty(), "the bucket is taken whole");
		}
		assert_eq!(with_world(|w| w.replaced.clone()), vec![(0, HOSTER_A)]);
		let rating = rating(HOSTER_A);
		assert_eq!((rating.challenges_issued, rating.challenges_passed), (2, 0));
	});
}

#[test]
fn the_sweep_challenges_every_position_once_per_period_and_draws_more_at_random() {
	// 20 positions, a period of 50 blocks: 0.4 sweep visits per block, within the budget.
	ExtBuilder::default().contracts(10).build_and_execute(|| {
		let mut sweeps: BTreeMap<(u64, AccountId), Vec<u64>> = BTreeMap::new();
		let mut total = 0usize;
		for n in 2..=201u64 {
			let before = Sweep::<Test>::get().cursor;
			System::reset_events();
			run_block(n);
			let new = announced();
			total += new.len();
			assert!(new.len() <= 4, "within the budget");
			// The sweep's visits are the block's first, from the cursor on.
			let cursor = Sweep::<Test>::get().cursor;
			let swept = (cursor + 20 - before) % 20;
			for challenged in &new[..swept as usize] {
				sweeps.entry((challenged.contract, challenged.hoster)).or_default().push(n);
			}
		}
		assert_eq!(sweeps.len(), 20, "every position swept");
		for blocks in sweeps.values() {
			// 200 blocks are four periods: a visit in each, 50 blocks apart.
			assert_eq!(blocks.len(), 4, "{blocks:?}");
			assert!(blocks.windows(2).all(|w| w[1] - w[0] == 50), "{blocks:?}");
		}
		// As many random draws as sweep visits (80).
		assert_eq!(total, 160);
		assert_eq!(Sweep::<Test>::get().behind, 0);
	});
}

#[test]
fn the_random_draws_are_a_run_of_consecutive_slots_from_a_random_start() {
	// 100 positions on two pages, a period of 50 blocks: 2 sweep visits and 2 draws a block.
	ExtBuilder::default().contracts(50).build_and_execute(|| {
		let mut starts = std::collections::BTreeSet::new();
		for n in 2..=51u64 {
			System::reset_events();
			run_block(n);
			let slots: Vec<u32> = announced()
				.iter()
				.map(|c| Challenges::<Test>::get(c.challenge).unwrap().slot)
				.collect();
			assert_eq!(slots.len(), 4, "block {n}");
			assert_eq!((slots[0] + 1) % 100, slots[1], "the sweep's run");
			assert_eq!((slots[2] + 1) % 100, slots[3], "the draws' run");
			starts.insert(slots[2]);
		}
		// The runs start all over the index, on both pages.
		assert!(starts.len() >= 30, "{starts:?}");
		assert!(starts.iter().any(|s| *s < 64) && starts.iter().any(|s| *s >= 64));
	});
}

#[test]
fn a_budget_that_cannot_keep_up_says_so_and_still_spends_only_the_budget() {
	// 300 positions in a period of 50 blocks need 6 visits per block; the budget is 4.
	ExtBuilder::default().contracts(150).build_and_execute(|| {
		run_block(2);
		run_block(3);
		assert_eq!(announced().len(), 4 + 4);
		// Block 2 owed 6 visits, block 3 the 2 it left and 6 more.
		System::assert_has_event(
			Event::ChallengesBehind { behind: 2, positions: 300, budget: 4 }.into(),
		);
		System::assert_has_event(
			Event::ChallengesBehind { behind: 4, positions: 300, budget: 4 }.into(),
		);
		assert_eq!(Sweep::<Test>::get().behind, 4);
	});
}

#[test]
fn removals_keep_the_index_dense_and_a_departed_hoster_misses_its_open_challenge() {
	ExtBuilder::default().contracts(3).build_and_execute(|| {
		assert_eq!(PositionCount::<Test>::get(), 6);
		set_block(10);
		assert_ok!(Proofs::proof_of_storage_request(
			RuntimeOrigin::signed(SPONSOR),
			ChallengeRequest { contract: 1 }
		));
		assert_ok!(Proofs::proof_of_storage_request(
			RuntimeOrigin::signed(SPONSOR),
			ChallengeRequest { contract: 2 }
		));
		let (id, _) = open_in(1, HOSTER_A);
		let (moved, _) = open_in(2, HOSTER_B);
		assert_eq!(Challenges::<Test>::get(moved).unwrap().slot, 5);
		Sweep::<Test>::mutate(|s| s.cursor = 3);
		Proofs::hoster_removed(1, &HOSTER_A);
		assert_eq!(PositionCount::<Test>::get(), 5);
		assert!(PositionIndex::<Test>::get(1, HOSTER_A).is_none());
		for index in 0..5 {
			let position = Proofs::position(index).unwrap();
			assert_eq!(PositionIndex::<Test>::get(position.contract, position.hoster), Some(index));
		}
		// The last position filled the visited slot below the cursor.
		assert_eq!(PositionIndex::<Test>::get(2, HOSTER_B), Some(2));
		assert_eq!(Sweep::<Test>::get().cursor, 2);
		// Leaving did not escape the challenge: it counts as missed at its deadline.
		expire(21);
		System::assert_has_event(
			Event::ProofMissed {
				challenge: id,
				hoster: HOSTER_A,
				contract: 1,
				consecutive_failures: 1,
			}
			.into(),
		);
		// Its miss in contract 1 and its miss in contract 2.
		assert_eq!(rating(HOSTER_A).challenges_issued, 2);
		// A moved position's miss is found through the index and counts in its contract.
		System::assert_has_event(
			Event::ProofMissed {
				challenge: moved,
				hoster: HOSTER_B,
				contract: 2,
				consecutive_failures: 1,
			}
			.into(),
		);
		assert_eq!(Failures::<Test>::get(2, HOSTER_B), 1);
		// The contract's count of the departed hoster is gone with it.
		assert_eq!(Failures::<Test>::get(1, HOSTER_A), 0);
		assert_eq!(with_world(|w| w.replaced.len()), 0);
		// Back after a repair, it is checked again, once.
		assert_ok!(Proofs::hoster_added(1, &HOSTER_A));
		assert_ok!(Proofs::hoster_added(1, &HOSTER_A));
		assert_eq!(PositionCount::<Test>::get(), 6);
	});
}

#[test]
fn a_stopped_contract_is_not_challenged_and_its_open_challenges_lapse() {
	ExtBuilder::default().contracts(2).build_and_execute(|| {
		assert_ok!(Proofs::proof_of_storage_request(RuntimeOrigin::signed(SPONSOR), request()));
		with_world(|w| w.status.insert(0, ContractStatus::Paused));
		Proofs::stopped(0);
		assert_eq!(PositionCount::<Test>::get(), 2);
		assert!(Positions::<Test>::iter_values().flatten().all(|p| p.contract == 1));
		System::reset_events();
		expire(12);
		assert!(System::events().is_empty(), "no miss counted");
		assert_eq!(rating(HOSTER_A), Rating::default());
		for n in 13..100 {
			run_block(n);
		}
		assert!(!announced().is_empty());
		assert!(announced().iter().all(|c| c.contract == 1));
		// Resumed, it is checked again; ended, it is forgotten.
		with_world(|w| w.status.insert(0, ContractStatus::Active));
		assert_ok!(Proofs::activated(0));
		assert_eq!(PositionCount::<Test>::get(), 4);
		Proofs::ended(0);
		with_world(|w| w.status.remove(&0));
		assert_eq!(PositionCount::<Test>::get(), 2);
		// Challenges of contract 0 opened before it ended lapse at their deadlines.
		for n in 100..=112 {
			run_block(n);
		}
	});
}

#[test]
fn a_short_range_is_challenged_whole() {
	new_test_ext(|| {
		// The picker returns every chunk of a range no longer than the count.
		let range = datdot_primitives::ChunkRange { start: 3, end: 5 };
		assert_eq!(crate::Pallet::<Test>::pick_chunks(&[7; 32], 7, range, 3), vec![3, 4]);
		let range = datdot_primitives::ChunkRange { start: 3, end: 7 };
		let mut picked = crate::Pallet::<Test>::pick_chunks(&[7; 32], 7, range, 3);
		picked.dedup();
		assert_eq!(picked.len(), 3);
	});
}

#[test]
fn an_inner_node_offered_as_a_block_is_refused() {
	new_test_ext(|| {
		assert_ok!(Proofs::proof_of_storage_request(RuntimeOrigin::signed(SPONSOR), request()));
		let (id, chunks) = challenge_of(HOSTER_A);
		// The preimage of the parent over the first block and its sibling, with the path above:
		// Hypercore's type prefixes keep it from passing for a block, even from a copy that
		// holds it (encoded) in the first block's place.
		let log = datdot_primitives::testing::feed_log(FEED_LENGTH.into());
		let first = u64::from(chunks[0]);
		let (left, right) = (log.node(2 * (first & !1)), log.node(2 * (first | 1)));
		let mut preimage = (left.size + right.size).to_le_bytes().to_vec();
		preimage.extend_from_slice(&left.hash);
		preimage.extend_from_slice(&right.hash);
		let forged_block = encoding::encode_block(&copy_key(HOSTER_A), first, &preimage);
		let mut leaves = copy_leaves(HOSTER_A);
		let position = chunks[0] - RANGE.start;
		leaves[position as usize] = encoding::leaf(&forged_block);
		let forged_copy =
			HostedCopy { key: copy_key(HOSTER_A), commitment: encoding::commitment(&leaves) };
		with_world(|w| w.copies.insert(HOSTER_A, forged_copy));
		let mut forged = honest_answer(id, &chunks);
		for (proof, i) in forged.chunks.iter_mut().zip(&chunks) {
			proof.copy_path = encoding::commitment_path(&leaves, i - RANGE.start).unwrap();
		}
		forged.chunks[0].encoded = forged_block;
		forged.chunks[0].nodes.remove(0);
		assert_noop!(respond(HOSTER_A, vec![forged.clone()]), Error::<Test>::WrongPathLength);
		forged.chunks[0].nodes.insert(0, block_proof(chunks[0]).nodes[0]);
		assert_noop!(respond(HOSTER_A, vec![forged]), Error::<Test>::WrongSize);
		with_world(|w| w.copies.remove(&HOSTER_A));
		assert_ok!(respond(HOSTER_A, vec![honest_answer(id, &chunks)]));
	});
}

#[test]
fn an_answer_after_the_deadline_is_refused_even_if_the_deadline_job_is_late() {
	new_test_ext(|| {
		assert_ok!(Proofs::proof_of_storage_request(RuntimeOrigin::signed(SPONSOR), request()));
		let (id, chunks) = challenge_of(HOSTER_A);
		// The deadline is block 11: an answer in it counts...
		set_block(11);
		let (id_b, chunks_b) = challenge_of(HOSTER_B);
		assert_ok!(respond(HOSTER_B, vec![honest_answer(id_b, &chunks_b)]));
		// ...one in block 12 does not, though the deadline job has not run yet.
		set_block(12);
		assert_noop!(
			respond(HOSTER_A, vec![honest_answer(id, &chunks)]),
			Error::<Test>::DeadlinePassed
		);
		expire(12);
		assert_eq!(rating(HOSTER_A).challenges_passed, 0);
	});
}

#[test]
fn failures_count_per_contract_and_a_pass_elsewhere_does_not_reset_them() {
	ExtBuilder::default().contracts(2).build_and_execute(|| {
		// HOSTER_A misses in contract 0, passes in contract 1, misses in contract 0 again.
		set_block(10);
		assert_ok!(Proofs::proof_of_storage_request(RuntimeOrigin::signed(SPONSOR), request()));
		let (b, chunks_b) = challenge_of(HOSTER_B);
		assert_ok!(respond(HOSTER_B, vec![honest_answer(b, &chunks_b)]));
		expire(21);
		set_block(22);
		assert_ok!(Proofs::proof_of_storage_request(
			RuntimeOrigin::signed(SPONSOR),
			ChallengeRequest { contract: 1 }
		));
		let (id, chunks) = open_in(1, HOSTER_A);
		assert_ok!(respond(HOSTER_A, vec![honest_answer(id, &chunks)]));
		let (b, chunks_b) = open_in(1, HOSTER_B);
		assert_ok!(respond(HOSTER_B, vec![honest_answer(b, &chunks_b)]));
		assert_eq!(crate::Failures::<Test>::get(0, HOSTER_A), 1, "untouched by the pass in 1");
		set_block(30);
		Proofs::stopped(0);
		with_world(|w| w.status.insert(0, ContractStatus::Active));
		assert_ok!(Proofs::activated(0));
		assert_ok!(Proofs::proof_of_storage_request(RuntimeOrigin::signed(SPONSOR), request()));
		let (b, chunks_b) = challenge_of(HOSTER_B);
		assert_ok!(respond(HOSTER_B, vec![honest_answer(b, &chunks_b)]));
		expire(41);
		assert_eq!(with_world(|w| w.replaced.clone()), vec![(0, HOSTER_A)]);
	});
}

#[test]
fn requests_are_rate_limited_per_contract() {
	ExtBuilder::default().contracts(2).build_and_execute(|| {
		assert_ok!(Proofs::proof_of_storage_request(RuntimeOrigin::signed(SPONSOR), request()));
		let (a, chunks_a) = challenge_of(HOSTER_A);
		let (b, chunks_b) = challenge_of(HOSTER_B);
		for (who, id, chunks) in [(HOSTER_A, a, chunks_a), (HOSTER_B, b, chunks_b)] {
			assert_ok!(respond(who, vec![honest_answer(id, &chunks)]));
		}
		set_block(5);
		assert_noop!(
			Proofs::proof_of_storage_request(RuntimeOrigin::signed(SPONSOR), request()),
			Error::<Test>::RequestTooSoon
		);
		// Another contract has its own allowance.
		assert_ok!(Proofs::proof_of_storage_request(
			RuntimeOrigin::signed(SPONSOR),
			ChallengeRequest { contract: 1 }
		));
		set_block(6);
		assert_ok!(Proofs::proof_of_storage_request(RuntimeOrigin::signed(SPONSOR), request()));
	});
}

#[test]
fn a_copy_that_does_not_decode_to_the_feed_proves_nothing() {
	new_test_ext(|| {
		// HOSTER_A committed to blocks that are not an encoding of the feed (an attestor let it
		// through): they are in its commitment, but do not decode to the feed's blocks.
		// Of the blocks' own sizes, so only the hashes can tell.
		let garbage: Vec<Vec<u8>> =
			(RANGE.start..RANGE.end).map(|i| vec![i as u8; chunk(i).len()]).collect();
		let leaves: Vec<H256> = garbage.iter().map(|b| encoding::leaf(b)).collect();
		let copy =
			HostedCopy { key: copy_key(HOSTER_A), commitment: encoding::commitment(&leaves) };
		with_world(|w| w.copies.insert(HOSTER_A, copy));
		assert_ok!(Proofs::proof_of_storage_request(RuntimeOrigin::signed(SPONSOR), request()));
		let (id, chunks) = challenge_of(HOSTER_A);
		let mut answer = honest_answer(id, &chunks);
		for (proof, i) in answer.chunks.iter_mut().zip(&chunks) {
			let position = i - RANGE.start;
			proof.encoded = garbage[position as usize].clone();
			proof.copy_path = encoding::commitment_path(&leaves, position).unwrap();
		}
		assert_noop!(respond(HOSTER_A, vec![answer]), Error::<Test>::InvalidProof);
	});
}

/// What the pool says of `call` signed by `who` (`None`: unsigned), from `source`.
fn pool_check(
	who: Option<AccountId>,
	call: crate::Call<Test>,
	source: TransactionSource,
) -> Result<sp_runtime::transaction_validity::ValidTransaction, TransactionValidityError> {
	use frame_support::dispatch::GetDispatchInfo;
	use sp_runtime::traits::DispatchTransaction;
	let call = RuntimeCall::Proofs(call);
	let origin = who.map_or_else(RuntimeOrigin::none, RuntimeOrigin::signed);
	crate::CheckAnswers::<Test>::new()
		.validate_only(origin, &call, &call.get_dispatch_info(), 0, source, 0)
		.map(|(valid, _, _)| valid)
}

fn answer_call(proofs: Vec<StorageProof>) -> crate::Call<Test> {
	crate::Call::proof_of_storage_response { proofs: answers(proofs) }
}

#[test]
fn answers_are_operational_and_the_pool_takes_only_answers_to_open_challenges_of_their_signer() {
	use frame_support::dispatch::{DispatchClass, GetDispatchInfo};
	ExtBuilder::default().contracts(2).build_and_execute(|| {
		request_each(2);
		let (first, chunks_first) = open_in(0, HOSTER_A);
		let (second, chunks_second) = open_in(1, HOSTER_A);
		let answer = |id, chunks: &[u32]| honest_answer(id, chunks);
		let both = answer_call(vec![answer(first, &chunks_first), answer(second, &chunks_second)]);
		assert_eq!(both.get_dispatch_info().class, DispatchClass::Operational);
		let external = TransactionSource::External;
		let refused = |code: crate::AnswerRefusal| {
			Err(TransactionValidityError::from(InvalidTransaction::Custom(code as u8)))
		};

		// Open, the signer's, before the deadline: valid through the deadline's block, one tag
		// per challenge (so the pool holds one answer per challenge).
		let deadline = Challenges::<Test>::get(first).expect("open").deadline;
		let now = System::block_number();
		let valid = pool_check(Some(HOSTER_A), both.clone(), external).expect("valid");
		assert_eq!(valid.provides, vec![crate::answer_tag(first), crate::answer_tag(second)]);
		assert_eq!(valid.longevity, deadline - now + 1);

		// Another hoster's, twice the same, none, unsigned: refused with their reasons.
		assert_eq!(
			pool_check(Some(HOSTER_B), both.clone(), external),
			refused(crate::AnswerRefusal::NotChallengedHoster)
		);
		let twice = answer_call(vec![answer(first, &chunks_first), answer(first, &chunks_first)]);
		assert_eq!(
			pool_check(Some(HOSTER_A), twice, external),
			refused(crate::AnswerRefusal::DuplicateAnswer)
		);
		assert_eq!(
			pool_check(Some(HOSTER_A), answer_call(vec![]), external),
			refused(crate::AnswerRefusal::NoAnswers)
		);
		assert_eq!(
			pool_check(None, both.clone(), external),
			refused(crate::AnswerRefusal::Unsigned)
		);
		let unknown = answer_call(vec![answer(99, &chunks_first)]);
		assert_eq!(
			pool_check(Some(HOSTER_A), unknown, external),
			refused(crate::AnswerRefusal::ChallengeClosed)
		);

		// Once one of them is answered, the pair is refused.
		assert_ok!(respond(HOSTER_A, vec![answer(first, &chunks_first)]));
		assert_eq!(
			pool_check(Some(HOSTER_A), both.clone(), external),
			refused(crate::AnswerRefusal::ChallengeClosed)
		);
		let rest = answer_call(vec![answer(second, &chunks_second)]);
		assert!(pool_check(Some(HOSTER_A), rest.clone(), external).is_ok());
		// Past its deadline (before the deadline job), so is the other.
		set_block(deadline + 1);
		assert_eq!(
			pool_check(Some(HOSTER_A), rest.clone(), external),
			refused(crate::AnswerRefusal::ChallengeClosed)
		);

		// In a block the extension checks nothing (the call does), and other calls pass.
		assert_eq!(
			pool_check(Some(HOSTER_A), rest, TransactionSource::InBlock),
			Ok(Default::default())
		);
		assert_eq!(
			pool_check(
				Some(SPONSOR),
				crate::Call::proof_of_storage_request { data: request() },
				external
			),
			Ok(Default::default())
		);
		assert_eq!(
			crate::CheckAnswers::<Test>::new().weight(&RuntimeCall::Proofs(both)),
			Weight::zero()
		);
		expire(deadline + 1);
	});
}
