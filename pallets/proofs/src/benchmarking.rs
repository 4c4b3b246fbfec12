//! Benchmarks of the proof calls and jobs, run on the real runtime.

use super::*;
use alloc::vec::Vec;
use datdot_primitives::{
	encoding::{self, MAX_COPY_PATH},
	feed::{benchmark_feed, FeedTree, MAX_PROOF_NODES},
	BenchmarkHelper, ChunkRange, ContractDirectory, ContractId, Job, JobHandler, ProofJob, Ratings,
};
use frame_benchmarking::v2::*;
use frame_support::traits::Get;
use frame_system::RawOrigin;
use sp_core::H256;

const REGION: &[u8] = b"u33d";

/// A feed of `2^depth` blocks: one root, so every block's proof holds `depth` nodes.
fn feed_length(depth: u32) -> u64 {
	1u64 << depth
}

/// A contract over the first blocks of a feed of `2^depth` blocks of `size` bytes.
fn active<T: Config>(hosters: u32, size: u32, depth: u32) -> ContractId {
	let sponsor: T::AccountId = account("sponsor", 0, 0);
	T::BenchmarkHelper::active_contract(&sponsor, hosters as u8, REGION, feed_length(depth), size)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn proof_of_storage_request(h: Linear<1, { T::MaxHostersPerContract::get() }>) {
		let contract = active::<T>(h, 1, 10);
		let sponsor: T::AccountId = account("sponsor", 0, 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(sponsor), ChallengeRequest { contract });
		assert_eq!(OpenChallenges::<T>::iter_prefix(contract).count() as u32, h);
	}

	/// An answer of `c` blocks of `s` bytes from a feed of `2^d` blocks: proofs of `d` nodes.
	#[benchmark]
	fn proof_of_storage_response(
		c: Linear<1, { T::ChunksPerChallenge::get() }>,
		s: Linear<1, { T::MaxChunkSize::get() }>,
		d: Linear<2, MAX_PROOF_NODES>,
	) -> Result<(), BenchmarkError> {
		let contract = active::<T>(1, s, d);
		let challenged = Pallet::<T>::challenge_contract(contract)?;
		assert_eq!(challenged, 1);
		let (hoster, id) = OpenChallenges::<T>::iter_prefix(contract)
			.next()
			.ok_or(BenchmarkError::Stop("no challenge"))?;
		let challenge = Challenges::<T>::get(id).ok_or(BenchmarkError::Stop("no challenge"))?;
		let log = benchmark_feed(feed_length(d), s);
		let (_, range, _) =
			T::Contracts::summary(contract).ok_or(BenchmarkError::Stop("no contract"))?;
		let copy = |index: u32| {
			encoding::encode_block(&challenge.copy.key, index.into(), &log.block(index.into()))
		};
		let leaves: Vec<H256> =
			(range.start..range.end).map(|i| encoding::leaf(&copy(i))).collect();
		assert_eq!(encoding::commitment(&leaves), challenge.copy.commitment);
		let chunks = challenge
			.chunks
			.iter()
			.take(c as usize)
			.map(|index| {
				let nodes = log.block_proof(0, u64::from(*index)).nodes;
				let copy_path = encoding::commitment_path(&leaves, index - range.start)
					.ok_or(BenchmarkError::Stop("a chunk out of the range"))?;
				Ok(ChunkProof { encoded: copy(*index), copy_path, nodes })
			})
			.collect::<Result<Vec<_>, BenchmarkError>>()?;
		assert!(chunks.iter().all(|chunk| chunk.nodes.len() == d as usize));
		// A challenge asks for `ChunksPerChallenge` blocks; answer as many as `c` allows.
		Challenges::<T>::mutate(id, |open| {
			if let Some(open) = open {
				open.chunks.truncate(c as usize);
			}
		});
		#[extrinsic_call]
		_(
			RawOrigin::Signed(hoster),
			StorageProof { challenge: id, length: feed_length(d), fork: 0, chunks },
		);
		assert!(Challenges::<T>::get(id).is_none());
		Ok(())
	}

	/// A commitment path of `l` nodes alone (the path of the first leaf of `2^l`).
	#[benchmark]
	fn verify_copy_path(l: Linear<0, MAX_COPY_PATH>) {
		let range =
			ChunkRange { start: 0, end: if l == MAX_COPY_PATH { u32::MAX } else { 1 << l } };
		let encoded = [7u8; 32];
		let path: Vec<H256> = (0..l).map(|n| H256::repeat_byte(n as u8)).collect();
		// The first leaf is the left child at every level.
		let root = path.iter().fold(encoding::leaf(&encoded), |node, sibling| {
			let mut pair = node.0.to_vec();
			pair.extend_from_slice(&sibling.0);
			<sp_runtime::traits::BlakeTwo256 as sp_runtime::traits::Hash>::hash(&pair)
		});
		let verified;
		#[block]
		{
			verified = encoding::in_commitment(&root, range, 0, &encoded, &path);
		}
		assert!(verified);
	}

	/// The Hypercore verifier alone: a block of `s` bytes from a feed of `2^d` blocks.
	#[benchmark]
	fn verify_block(s: Linear<1, { T::MaxChunkSize::get() }>, d: Linear<2, MAX_PROOF_NODES>) {
		let log = benchmark_feed(feed_length(d), s);
		let tree = FeedTree { length: log.length(), fork: 0, roots: log.roots() };
		let proof = log.block_proof(0, 1);
		let verified;
		#[block]
		{
			verified = tree.verify(&proof);
		}
		assert_eq!(verified, Ok(()));
	}

	#[benchmark]
	fn storage_challenge(h: Linear<1, { T::MaxHostersPerContract::get() }>) {
		let contract = active::<T>(h, 1, 10);
		#[block]
		{
			<Pallet<T> as JobHandler>::execute(&Job::Proofs(ProofJob::Challenge(contract)));
		}
		assert_eq!(OpenChallenges::<T>::iter_prefix(contract).count() as u32, h);
	}

	/// The miss that makes a hoster fail one time too many: it is replaced.
	#[benchmark]
	fn challenge_deadline() -> Result<(), BenchmarkError> {
		let contract = active::<T>(1, 1, 10);
		Pallet::<T>::challenge_contract(contract)?;
		let (hoster, id) = OpenChallenges::<T>::iter_prefix(contract)
			.next()
			.ok_or(BenchmarkError::Stop("no challenge"))?;
		let region =
			Challenges::<T>::get(id).map(|c| c.region).ok_or(BenchmarkError::Stop("gone"))?;
		for _ in 1..T::MaxConsecutiveFailures::get() {
			T::Ratings::record_challenge(&hoster, &region, false);
		}
		Failures::<T>::insert(contract, &hoster, T::MaxConsecutiveFailures::get() - 1);
		#[block]
		{
			<Pallet<T> as JobHandler>::execute(&Job::Proofs(ProofJob::Deadline(id)));
		}
		assert!(Challenges::<T>::get(id).is_none());
		Ok(())
	}
}
