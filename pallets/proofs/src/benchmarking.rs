//! Benchmarks of the proof calls and jobs, run on the real runtime.

use super::*;
use alloc::{vec, vec::Vec};
use datdot_primitives::{
	BenchmarkHelper, ChunkIndex, ContractId, Job, JobHandler, ProofJob, Ratings,
};
use frame_benchmarking::v2::*;
use frame_support::traits::Get;
use frame_system::RawOrigin;
use sp_core::H256;

const REGION: &[u8] = b"u33d";
/// The contract's chunks: the first 64 of the feed, a perfect subtree of 6 levels.
const LEAVES: ChunkIndex = 64;
/// The feed is as long as a feed can be, so every path has the most siblings (32).
const FEED_LENGTH: ChunkIndex = ChunkIndex::MAX;

fn leaf(index: ChunkIndex, size: u32) -> Vec<u8> {
	vec![index as u8; size as usize]
}

fn leaves(size: u32) -> Vec<Vec<u8>> {
	(0..LEAVES).map(|i| leaf(i, size)).collect()
}

/// The siblings above the first 64 leaves, levels 6 to 31: the rest of the feed, which the
/// benchmark never needs to hold.
fn spine() -> Vec<H256> {
	(6u8..32).map(H256::repeat_byte).collect()
}

fn root(size: u32) -> H256 {
	spine().iter().fold(datdot_primitives::proof::merkle_root(&leaves(size)), |node, sibling| {
		let mut pair = node.as_bytes().to_vec();
		pair.extend_from_slice(sibling.as_bytes());
		<datdot_primitives::proof::NodeHasher as sp_core::Hasher>::hash(&pair)
	})
}

/// The path of chunk `index` (< 64) in the full-length feed: 32 siblings.
fn path(index: ChunkIndex, size: u32) -> Vec<H256> {
	let mut path = datdot_primitives::proof::merkle_path(&leaves(size), index);
	path.extend(spine());
	path
}

fn active<T: Config>(hosters: u32, size: u32) -> ContractId {
	let sponsor: T::AccountId = account("sponsor", 0, 0);
	T::BenchmarkHelper::active_contract(&sponsor, hosters as u8, REGION, root(size), FEED_LENGTH)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn proof_of_storage_request(h: Linear<1, { T::MaxHostersPerContract::get() }>) {
		let contract = active::<T>(h, 1);
		let sponsor: T::AccountId = account("sponsor", 0, 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(sponsor), ChallengeRequest { contract });
		assert_eq!(OpenChallenges::<T>::iter_prefix(contract).count() as u32, h);
	}

	#[benchmark]
	fn proof_of_storage_response(
		c: Linear<1, { T::ChunksPerChallenge::get() }>,
		s: Linear<1, { T::MaxChunkSize::get() }>,
	) -> Result<(), BenchmarkError> {
		let contract = active::<T>(1, s);
		let challenged = Pallet::<T>::challenge_contract(contract)?;
		assert_eq!(challenged, 1);
		let (hoster, id) = OpenChallenges::<T>::iter_prefix(contract)
			.next()
			.ok_or(BenchmarkError::Stop("no challenge"))?;
		let challenge = Challenges::<T>::get(id).ok_or(BenchmarkError::Stop("no challenge"))?;
		let chunks = challenge
			.chunks
			.iter()
			.take(c as usize)
			.map(|index| ChunkProof { index: *index, data: leaf(*index, s), path: path(*index, s) })
			.collect::<Vec<_>>();
		// A challenge asks for `ChunksPerChallenge` chunks; answer as many as `c` allows.
		Challenges::<T>::mutate(id, |open| {
			if let Some(open) = open {
				open.chunks.truncate(c as usize);
			}
		});
		#[extrinsic_call]
		_(RawOrigin::Signed(hoster), StorageProof { challenge: id, chunks });
		assert!(Challenges::<T>::get(id).is_none());
		Ok(())
	}

	#[benchmark]
	fn storage_challenge(h: Linear<1, { T::MaxHostersPerContract::get() }>) {
		let contract = active::<T>(h, 1);
		#[block]
		{
			<Pallet<T> as JobHandler>::execute(&Job::Proofs(ProofJob::Challenge(contract)));
		}
		assert_eq!(OpenChallenges::<T>::iter_prefix(contract).count() as u32, h);
	}

	/// The miss that makes a hoster fail one time too many: it is replaced.
	#[benchmark]
	fn challenge_deadline() -> Result<(), BenchmarkError> {
		let contract = active::<T>(1, 1);
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
