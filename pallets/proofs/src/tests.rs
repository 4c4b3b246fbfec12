//! Unit tests of challenges, answers and deadlines.

use crate::{
	mock::*, ChallengeRequest, Challenges, ChunkProof, Error, Event, OpenChallenges, PeriodicJobs,
	StorageProof,
};
use datdot_primitives::{ContractObserver, ContractStatus, Job};
use frame_support::{assert_noop, assert_ok};
use sp_core::H256;
use sp_runtime::DispatchError;

fn request() -> ChallengeRequest {
	ChallengeRequest { contract: 0 }
}

/// The challenge id and chunks of HOSTER_A's open challenge on contract 0.
fn challenge_of(hoster: AccountId) -> (u64, Vec<u32>) {
	let id = OpenChallenges::<Test>::get(0, hoster).expect("an open challenge");
	(id, Challenges::<Test>::get(id).unwrap().chunks.into_inner())
}

fn honest_answer(id: u64, chunks: &[u32]) -> StorageProof {
	StorageProof {
		challenge: id,
		chunks: chunks
			.iter()
			.map(|i| ChunkProof { index: *i, data: chunk(*i), path: path(*i) })
			.collect(),
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
			assert!(with_world(|w| w
				.scheduled
				.iter()
				.any(|(_, at, job)| *at == 11 && *job == Job::ChallengeDeadline(id))));
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
		assert_noop!(
			Proofs::proof_of_storage_request(RuntimeOrigin::signed(SPONSOR), request()),
			Error::<Test>::ChallengePending
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
		let rating = with_world(|w| w.ratings[&HOSTER_A]);
		assert_eq!((rating.challenges_issued, rating.challenges_passed), (1, 1));
		assert_eq!(with_world(|w| w.cancelled.len()), 1, "the deadline job was cancelled");
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
		assert_noop!(send(HOSTER_A, honest_answer(id, &reversed)), Error::<Test>::WrongChunks);

		let mut tampered = honest_answer(id, &chunks);
		tampered.chunks[1].data[0] ^= 1;
		assert_noop!(send(HOSTER_A, tampered), Error::<Test>::InvalidProof);
		let mut wrong_path = honest_answer(id, &chunks);
		wrong_path.chunks[0].path[0] = H256::repeat_byte(9);
		assert_noop!(send(HOSTER_A, wrong_path), Error::<Test>::InvalidProof);
		let mut swapped = honest_answer(id, &chunks);
		swapped.chunks[2].data = chunk(chunks[0]);
		swapped.chunks[2].path = path(chunks[0]);
		assert_noop!(send(HOSTER_A, swapped), Error::<Test>::InvalidProof);

		let mut big = honest_answer(id, &chunks);
		big.chunks[0].data = vec![0; 65];
		assert_noop!(send(HOSTER_A, big), Error::<Test>::ChunkTooLarge);
		let mut long = honest_answer(id, &chunks);
		long.chunks[0].path = vec![H256::zero(); 9];
		assert_noop!(send(HOSTER_A, long), Error::<Test>::PathTooLong);
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
			assert_ok!(Proofs::proof_of_storage_request(RuntimeOrigin::signed(SPONSOR), request()));
			let (id, _) = challenge_of(HOSTER_A);
			let (id_b, chunks_b) = challenge_of(HOSTER_B);
			assert_ok!(Proofs::proof_of_storage_response(
				RuntimeOrigin::signed(HOSTER_B),
				honest_answer(id_b, &chunks_b)
			));
			Proofs::run_job(Job::ChallengeDeadline(id));
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
		let rating = with_world(|w| w.ratings[&HOSTER_A]);
		assert_eq!((rating.challenges_issued, rating.challenges_passed), (2, 0));
		// A deadline for an answered challenge does nothing.
		let events = System::events().len();
		Proofs::run_job(Job::ChallengeDeadline(0));
		assert_eq!(System::events().len(), events);
	});
}

#[test]
fn activation_starts_periodic_challenges_and_stopping_ends_them() {
	new_test_ext(|| {
		Proofs::activated(0);
		let job = PeriodicJobs::<Test>::get(0).unwrap();
		assert!(with_world(|w| w.scheduled.contains(&(job, 51, Job::StorageChallenge(0)))));
		System::set_block_number(51);
		Proofs::run_job(Job::StorageChallenge(0));
		assert!(OpenChallenges::<Test>::get(0, HOSTER_A).is_some());
		let next = PeriodicJobs::<Test>::get(0).unwrap();
		assert!(with_world(|w| w.scheduled.contains(&(next, 101, Job::StorageChallenge(0)))));
		Proofs::stopped(0);
		assert!(PeriodicJobs::<Test>::get(0).is_none());
		assert_eq!(OpenChallenges::<Test>::iter().count(), 0);
		assert_eq!(Challenges::<Test>::iter().count(), 0);
		assert!(with_world(|w| w.cancelled.contains(&next)));
	});
}

#[test]
fn a_removed_hoster_loses_its_open_challenge() {
	new_test_ext(|| {
		assert_ok!(Proofs::proof_of_storage_request(RuntimeOrigin::signed(SPONSOR), request()));
		let (id, _) = challenge_of(HOSTER_A);
		Proofs::hoster_removed(0, &HOSTER_A);
		assert!(Challenges::<Test>::get(id).is_none());
		assert!(OpenChallenges::<Test>::get(0, HOSTER_B).is_some());
		assert!(!Proofs::job_is_live(&Job::ChallengeDeadline(id)));
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
