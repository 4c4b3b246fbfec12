//! Unit tests of challenges, answers and deadlines.

use crate::{
	mock::*, ChallengeRequest, Challenges, Error, Event, OpenChallenges, PeriodicJobs, StorageProof,
};
use datdot_primitives::encoding::{self, HostedCopy};
use datdot_primitives::{
	testing::{doubles, region},
	ContractObserver, ContractStatus, EndReason, Job, JobHandler, ProofJob, Rating,
};
use frame_support::{assert_noop, assert_ok};
use sp_core::H256;
use sp_runtime::DispatchError;

/// Runs a proof job as the scheduler would: it is no longer pending, and it must succeed.
fn run(job: ProofJob) {
	let job = Job::Proofs(job);
	doubles(|d| d.take_job(&job));
	assert_ok!(Proofs::execute(&job).expect("a proof job"));
}

/// When `job` is pending, at which block.
fn pending_at(job: ProofJob) -> Option<u64> {
	doubles(|d| {
		d.pending_jobs().into_iter().find(|(_, _, j, _)| *j == Job::Proofs(job)).map(|p| p.1)
	})
}

fn rating(who: AccountId) -> Rating {
	doubles(|d| d.ratings.get(&(who, region("u3"))).copied().unwrap_or_default())
}

fn request() -> ChallengeRequest {
	ChallengeRequest { contract: 0 }
}

/// The challenge id and chunks of HOSTER_A's open challenge on contract 0.
fn challenge_of(hoster: AccountId) -> (u64, Vec<u32>) {
	let id = OpenChallenges::<Test>::get(0, hoster).expect("an open challenge");
	(id, Challenges::<Test>::get(id).unwrap().chunks.into_inner())
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

#[test]
fn a_request_challenges_every_hoster_with_distinct_chunks_of_the_range() {
	new_test_ext(|| {
		assert_ok!(Proofs::proof_of_storage_request(RuntimeOrigin::signed(SPONSOR), request()));
		for hoster in [HOSTER_A, HOSTER_B] {
			let (id, chunks) = challenge_of(hoster);
			assert_eq!(chunks.len(), 3);
			assert!(chunks.iter().all(|c| RANGE.start <= *c && *c < RANGE.end));
			assert!(chunks.windows(2).all(|w| w[0] < w[1]), "distinct and ascending");
			// The deadline job runs after the last block in which an answer counts.
			assert_eq!(pending_at(ProofJob::Deadline(id)), Some(12));
		}
		let (id, chunks) = challenge_of(HOSTER_B);
		System::assert_last_event(
			Event::ProvideProofOfStorage {
				challenge: id,
				hoster: HOSTER_B,
				contract: 0,
				chunks: chunks.try_into().unwrap(),
				deadline: 11,
			}
			.into(),
		);
	});
}

#[test]
fn requests_are_for_sponsors_of_live_contracts_without_pending_challenges() {
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
		assert_ok!(Proofs::proof_of_storage_request(RuntimeOrigin::signed(SPONSOR), request()));
		set_block(6);
		assert_noop!(
			Proofs::proof_of_storage_request(RuntimeOrigin::signed(SPONSOR), request()),
			Error::<Test>::ChallengePending
		);
		with_world(|w| w.status.insert(0, ContractStatus::Paused));
		Proofs::stopped(0);
		set_block(10);
		assert_noop!(
			Proofs::proof_of_storage_request(RuntimeOrigin::signed(SPONSOR), request()),
			Error::<Test>::NothingToChallenge
		);
	});
}

#[test]
fn a_correct_answer_is_accepted_and_counted() {
	new_test_ext(|| {
		assert_ok!(Proofs::proof_of_storage_request(RuntimeOrigin::signed(SPONSOR), request()));
		let (id, chunks) = challenge_of(HOSTER_A);
		assert_ok!(Proofs::proof_of_storage_response(
			RuntimeOrigin::signed(HOSTER_A),
			honest_answer(id, &chunks)
		));
		System::assert_last_event(
			Event::ProofAccepted { challenge: id, hoster: HOSTER_A, contract: 0 }.into(),
		);
		assert!(Challenges::<Test>::get(id).is_none());
		assert!(OpenChallenges::<Test>::get(0, HOSTER_A).is_none());
		let rating = rating(HOSTER_A);
		assert_eq!((rating.challenges_issued, rating.challenges_passed), (1, 1));
		assert_eq!(doubles(|d| d.cancelled.len()), 1, "the deadline job was cancelled");
	});
}

#[test]
fn wrong_answers_are_refused_and_change_nothing() {
	new_test_ext(|| {
		assert_ok!(Proofs::proof_of_storage_request(RuntimeOrigin::signed(SPONSOR), request()));
		let (id, chunks) = challenge_of(HOSTER_A);
		let send =
			|who, proof| Proofs::proof_of_storage_response(RuntimeOrigin::signed(who), proof);
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
			Proofs::proof_of_storage_response(RuntimeOrigin::none(), honest_answer(id, &chunks)),
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
			set_block(u64::from(round) * 10);
			assert_ok!(Proofs::proof_of_storage_request(RuntimeOrigin::signed(SPONSOR), request()));
			let (id, _) = challenge_of(HOSTER_A);
			let (id_b, chunks_b) = challenge_of(HOSTER_B);
			assert_ok!(Proofs::proof_of_storage_response(
				RuntimeOrigin::signed(HOSTER_B),
				honest_answer(id_b, &chunks_b)
			));
			run(ProofJob::Deadline(id));
			System::assert_last_event(
				Event::ProofMissed {
					challenge: id,
					hoster: HOSTER_A,
					contract: 0,
					consecutive_failures: round,
				}
				.into(),
			);
			assert!(OpenChallenges::<Test>::get(0, HOSTER_A).is_none());
		}
		assert_eq!(with_world(|w| w.replaced.clone()), vec![(0, HOSTER_A)]);
		let rating = rating(HOSTER_A);
		assert_eq!((rating.challenges_issued, rating.challenges_passed), (2, 0));
		// A deadline for an answered challenge does nothing.
		let events = System::events().len();
		assert_ok!(Proofs::execute(&Job::Proofs(ProofJob::Deadline(1))).unwrap());
		assert_eq!(System::events().len(), events);
	});
}

#[test]
fn activation_starts_periodic_challenges_and_stopping_ends_them() {
	new_test_ext(|| {
		assert_ok!(Proofs::activated(0));
		assert!(PeriodicJobs::<Test>::get(0).is_some());
		assert_eq!(pending_at(ProofJob::Challenge(0)), Some(51));
		set_block(51);
		run(ProofJob::Challenge(0));
		assert!(OpenChallenges::<Test>::get(0, HOSTER_A).is_some());
		let next = PeriodicJobs::<Test>::get(0).unwrap();
		assert_eq!(pending_at(ProofJob::Challenge(0)), Some(101));
		Proofs::stopped(0);
		assert!(PeriodicJobs::<Test>::get(0).is_none());
		assert_eq!(OpenChallenges::<Test>::iter().count(), 0);
		assert_eq!(Challenges::<Test>::iter().count(), 0);
		assert!(doubles(|d| d.cancelled.contains(&next)));
	});
}

#[test]
fn a_hoster_that_leaves_with_an_open_challenge_has_it_counted_as_missed() {
	new_test_ext(|| {
		assert_ok!(Proofs::proof_of_storage_request(RuntimeOrigin::signed(SPONSOR), request()));
		let (id, _) = challenge_of(HOSTER_A);
		Proofs::hoster_removed(0, &HOSTER_A);
		assert!(Challenges::<Test>::get(id).is_none());
		assert!(OpenChallenges::<Test>::get(0, HOSTER_B).is_some());
		assert_eq!(Proofs::is_live(&Job::Proofs(ProofJob::Deadline(id))), Some(false));
		let rating = rating(HOSTER_A);
		assert_eq!((rating.challenges_issued, rating.challenges_passed), (1, 0));
		System::assert_last_event(
			Event::ProofMissed {
				challenge: id,
				hoster: HOSTER_A,
				contract: 0,
				consecutive_failures: 1,
			}
			.into(),
		);
		// The contract's count of the departed hoster is gone with it.
		assert_eq!(crate::Failures::<Test>::get(0, HOSTER_A), 0);
	});
}

#[test]
fn a_short_range_is_challenged_whole() {
	new_test_ext(|| {
		// The picker returns every chunk of a range no longer than the count.
		let chunks = crate::Pallet::<Test>::pick_chunks_for_test(
			7,
			datdot_primitives::ChunkRange { start: 3, end: 5 },
		);
		assert_eq!(chunks, vec![3, 4]);
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
		let honest = Challenges::<Test>::get(id).unwrap().copy;
		Challenges::<Test>::mutate(id, |c| {
			c.as_mut().unwrap().copy.commitment = encoding::commitment(&leaves);
		});
		let mut forged = honest_answer(id, &chunks);
		for (proof, i) in forged.chunks.iter_mut().zip(&chunks) {
			proof.copy_path = encoding::commitment_path(&leaves, i - RANGE.start).unwrap();
		}
		forged.chunks[0].encoded = forged_block;
		forged.chunks[0].nodes.remove(0);
		assert_noop!(
			Proofs::proof_of_storage_response(RuntimeOrigin::signed(HOSTER_A), forged.clone()),
			Error::<Test>::WrongPathLength
		);
		forged.chunks[0].nodes.insert(0, block_proof(chunks[0]).nodes[0]);
		assert_noop!(
			Proofs::proof_of_storage_response(RuntimeOrigin::signed(HOSTER_A), forged),
			Error::<Test>::WrongSize
		);
		Challenges::<Test>::mutate(id, |c| c.as_mut().unwrap().copy = honest);
		assert_ok!(Proofs::proof_of_storage_response(
			RuntimeOrigin::signed(HOSTER_A),
			honest_answer(id, &chunks)
		));
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
		assert_ok!(Proofs::proof_of_storage_response(
			RuntimeOrigin::signed(HOSTER_B),
			honest_answer(id_b, &chunks_b)
		));
		// ...one in block 12 does not, though the deadline job has not run yet.
		set_block(12);
		assert_noop!(
			Proofs::proof_of_storage_response(
				RuntimeOrigin::signed(HOSTER_A),
				honest_answer(id, &chunks)
			),
			Error::<Test>::DeadlinePassed
		);
		run(ProofJob::Deadline(id));
		assert_eq!(rating(HOSTER_A).challenges_passed, 0);
	});
}

#[test]
fn failures_count_per_contract_and_a_pass_elsewhere_does_not_reset_them() {
	ExtBuilder::default().contracts(2).build_and_execute(|| {
		// HOSTER_A misses in contract 0, passes in contract 1, misses in contract 0 again.
		set_block(10);
		assert_ok!(Proofs::proof_of_storage_request(RuntimeOrigin::signed(SPONSOR), request()));
		let (missed, _) = challenge_of(HOSTER_A);
		run(ProofJob::Deadline(missed));
		assert_ok!(Proofs::proof_of_storage_request(
			RuntimeOrigin::signed(SPONSOR),
			ChallengeRequest { contract: 1 }
		));
		let id = OpenChallenges::<Test>::get(1, HOSTER_A).unwrap();
		let chunks = Challenges::<Test>::get(id).unwrap().chunks.into_inner();
		assert_ok!(Proofs::proof_of_storage_response(
			RuntimeOrigin::signed(HOSTER_A),
			honest_answer(id, &chunks)
		));
		assert_eq!(crate::Failures::<Test>::get(0, HOSTER_A), 1, "untouched by the pass in 1");
		set_block(20);
		Proofs::stopped(0);
		with_world(|w| w.status.insert(0, ContractStatus::Active));
		assert_ok!(Proofs::proof_of_storage_request(RuntimeOrigin::signed(SPONSOR), request()));
		let (missed, _) = challenge_of(HOSTER_A);
		run(ProofJob::Deadline(missed));
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
			assert_ok!(Proofs::proof_of_storage_response(
				RuntimeOrigin::signed(who),
				honest_answer(id, &chunks)
			));
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
fn a_failed_periodic_job_changes_nothing_and_an_abandoned_one_ends_the_contract() {
	new_test_ext(|| {
		assert_ok!(Proofs::activated(0));
		set_block(51);
		let job = Job::Proofs(ProofJob::Challenge(0));
		doubles(|d| d.take_job(&job));
		doubles(|d| d.refuse_scheduling = Some("calendar full"));
		let before = sp_io::storage::root(sp_runtime::StateVersion::V1);
		let outcome = frame_support::storage::with_storage_layer(|| Proofs::execute(&job).unwrap());
		assert!(outcome.is_err());
		assert_eq!(sp_io::storage::root(sp_runtime::StateVersion::V1), before);
		// After its retries the scheduler abandons it: the contract ends rather than go
		// unchecked.
		assert!(Proofs::abandon(&job).is_some());
		assert_eq!(with_world(|w| w.ended.clone()), vec![(0, EndReason::Stalled)]);
		assert!(PeriodicJobs::<Test>::get(0).is_none());
		doubles(|d| d.refuse_scheduling = None);
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
		assert_noop!(
			Proofs::proof_of_storage_response(RuntimeOrigin::signed(HOSTER_A), answer),
			Error::<Test>::InvalidProof
		);
	});
}
