//! Benchmarks of the proof calls and of each block's challenges and deadlines, run on the real
//! runtime.

use super::*;
use alloc::vec::Vec;
use datdot_primitives::{
	encoding::{self, MAX_COPY_PATH},
	feed::{benchmark_feed, FeedTree, MAX_PROOF_NODES},
	probe_index, BenchmarkHelper, ChallengeId, ChunkRange, ContractDirectory, ContractId, Ratings,
	Region,
};
use frame_benchmarking::v2::*;
use frame_support::traits::{Get, Hooks};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use sp_core::H256;
use sp_runtime::traits::{One, Saturating};

const REGION: &[u8] = b"u33d";

/// Contracts of the positions written straight into the index lie above every real one.
const SYNTHETIC_CONTRACTS: ContractId = 1 << 40;

/// A feed of `2^depth` blocks: one root, so every block's proof holds `depth` nodes.
fn feed_length(depth: u32) -> u64 {
	1u64 << depth
}

/// A contract over the first blocks of a feed of `2^depth` blocks of `size` bytes.
fn active<T: Config>(hosters: u32, size: u32, depth: u32) -> Result<ContractId, BenchmarkError> {
	let sponsor: T::AccountId = account("sponsor", 0, 0);
	T::BenchmarkHelper::active_contract(&sponsor, hosters as u8, REGION, feed_length(depth), size)
		.ok_or(BenchmarkError::Stop("no active contract"))
}

/// Writes `count` checked positions straight into the index, one hoster each in contracts
/// that exist only there: the index of a network of that size.
fn positions<T: Config>(count: u32) -> Result<(), BenchmarkError> {
	let region = Region::new(REGION).map_err(|_| BenchmarkError::Stop("a bad region"))?;
	let mut page = PageOf::<T>::default();
	for index in 0..count {
		let contract = SYNTHETIC_CONTRACTS + ContractId::from(index);
		let hoster: T::AccountId = account("hoster", index, 0);
		PositionIndex::<T>::insert(contract, &hoster, index);
		let position = PositionOf::<T> {
			contract,
			hoster,
			region: region.clone(),
			range: ChunkRange { start: 0, end: 1024 },
		};
		page.try_push(position).map_err(|_| BenchmarkError::Stop("a page overflows"))?;
		if page.len() as u32 == POSITIONS_PER_PAGE || index + 1 == count {
			Positions::<T>::insert(index / POSITIONS_PER_PAGE, core::mem::take(&mut page));
		}
	}
	PositionCount::<T>::put(count);
	Ok(())
}

/// The positions at `slots`, with their slots.
fn at<T: Config>(slots: impl Iterator<Item = u32>) -> Vec<(u32, PositionOf<T>)> {
	slots.filter_map(|slot| Pallet::<T>::position(slot).map(|p| (slot, p))).collect()
}

/// A block after `after` whose random run of `run` slots of `len` crosses a page boundary
/// (the most pages a run reads), if one of the next 100,000 does.
fn crossing<T: Config>(after: BlockNumberFor<T>, run: u32, len: u32) -> BlockNumberFor<T> {
	let mut at = after.saturating_add(One::one());
	for _ in 0..100_000 {
		let start = probe_index(&Pallet::<T>::seed(at), 0, len);
		if run < 2 || start % POSITIONS_PER_PAGE + run > POSITIONS_PER_PAGE {
			return at;
		}
		at = at.saturating_add(One::one());
	}
	at
}

/// Owes the sweep `sweep` visits in the next block, with `len < (sweep + 1) * ChallengePeriod`
/// positions (more would owe it more).
fn owe<T: Config>(sweep: u32, len: u32) {
	let window = u64::from(T::ChallengePeriod::get());
	let owed = (u64::from(sweep) * window).saturating_sub(u64::from(len));
	Sweep::<T>::put(datdot_primitives::rota::Rota { owed, ..Default::default() });
}

/// The open challenge of `contract` (its only one).
fn open_challenge<T: Config>(
	contract: ContractId,
) -> Result<(ChallengeId, ChallengeOf<T>), BenchmarkError> {
	Challenges::<T>::iter()
		.find(|(_, challenge)| challenge.contract == contract)
		.ok_or(BenchmarkError::Stop("no challenge"))
}

/// Opens a full budget of challenges at block `at`, all due at `at + ChallengeTimeout + 1`,
/// and moves there.
fn budget_due<T: Config>(at: BlockNumberFor<T>) -> BlockNumberFor<T> {
	frame_system::Pallet::<T>::set_block_number(at);
	Sweep::<T>::put(datdot_primitives::rota::Rota {
		owed: u64::from(T::ChallengesPerBlock::get()) * u64::from(T::ChallengePeriod::get()),
		..Default::default()
	});
	Pallet::<T>::challenge_block(at);
	let due = at.saturating_add(T::ChallengeTimeout::get()).saturating_add(One::one());
	assert_eq!(Deadlines::<T>::decode_len(due), Some(T::ChallengesPerBlock::get() as usize));
	frame_system::Pallet::<T>::set_block_number(due);
	due
}

/// Sets up a scale benchmark: `count` checked positions and, under a map of their own,
/// `filler` entries shaped like a position's (an index entry and a page's share); a full budget
/// of challenges due now. Returns the block whose hook is measured.
fn scale<T: Config>(count: u32, filler: u32) -> Result<BlockNumberFor<T>, BenchmarkError> {
	positions::<T>(count)?;
	let prefix = frame_support::storage::storage_prefix(b"DatDotBenchmark", b"Filler");
	for n in 0..filler {
		let mut key = prefix.to_vec();
		key.extend_from_slice(&<frame_support::Blake2_128 as frame_support::StorageHasher>::hash(
			&n.to_le_bytes(),
		));
		let value: &[u8] = if n % POSITIONS_PER_PAGE == 0 { &[0; 69 * 64] } else { &[0; 4] };
		frame_support::storage::unhashed::put_raw(&key, value);
	}
	settle();
	let start = frame_system::Pallet::<T>::block_number().saturating_add(One::one());
	let now = budget_due::<T>(start);
	Sweep::<T>::put(datdot_primitives::rota::Rota {
		owed: u64::from(T::ChallengesPerBlock::get()) * u64::from(T::ChallengePeriod::get()),
		..Default::default()
	});
	Ok(now)
}

/// Reads of [`settle`]'s value: each sorts up to 10,000 of the freed blocks, and a commit of a
/// million positions frees a few million.
const SETTLE_READS: u32 = 2_000;

/// Commits the setup's writes and lets the benchmark host's allocator settle before the timer.
///
/// Committing a million entries frees a few million small blocks of the host's memory, and the
/// host's allocator (glibc) sorts freed blocks into its bins lazily: each allocation that finds
/// no block of its size sorts up to 10,000 of them first. Committed just before the timer, as
/// the benchmark would otherwise do, the first few hundred allocations of the measured block
/// paid for sorting the setup's garbage: up to 200 ms in a block that otherwise takes 3 ms
/// (seen with `perf`: the time went to `malloc_consolidate` and `_int_malloc`). Here the setup
/// commits them itself and then reads a 64 KiB value [`SETTLE_READS`] times, whose allocations
/// do the sorting; the benchmark's own commit before the timer then holds only the challenges
/// opened below. Only the extra benchmarks call this: the
/// test externalities cannot commit.
fn settle() {
	const KEY: &[u8] = b":datdot:benchmark:settle";
	frame_benchmarking::benchmarking::commit_db();
	// The host tracks every key the commit wrote; the benchmark drops that record just before
	// the timer, so drop it here, with the rest of the setup's garbage.
	frame_benchmarking::benchmarking::reset_read_write_count();
	frame_support::storage::unhashed::put_raw(KEY, &alloc::vec![0u8; 64 * 1024]);
	for _ in 0..SETTLE_READS {
		let value = frame_support::storage::unhashed::get_raw(KEY);
		assert_eq!(value.map(|v| v.len()), Some(64 * 1024), "the settling value is read back");
	}
	frame_support::storage::unhashed::kill(KEY);
}

/// Checks a scale benchmark's block: a full budget opened (challenge ids from `before`), and
/// the due ones gone.
fn scaled<T: Config>(before: ChallengeId) {
	assert_eq!(NextChallengeId::<T>::get() - before, u64::from(T::ChallengesPerBlock::get()));
	assert_eq!(Challenges::<T>::iter().count() as u32, T::ChallengesPerBlock::get());
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn proof_of_storage_request(
		h: Linear<1, { T::MaxHostersPerContract::get() }>,
	) -> Result<(), BenchmarkError> {
		let contract = active::<T>(h, 1, 10)?;
		let sponsor: T::AccountId = account("sponsor", 0, 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(sponsor), ChallengeRequest { contract });
		let opened = Challenges::<T>::iter().filter(|(_, c)| c.contract == contract).count();
		assert_eq!(opened as u32, h);
		Ok(())
	}

	/// An answer of `c` blocks of `s` bytes from a feed of `2^d` blocks: proofs of `d` nodes.
	/// `c` starts at 0 (a challenge cut to no chunks, answered by none): the call's own cost,
	/// and a second value of `c` for its slope when a challenge asks for one chunk, as ours do.
	#[benchmark]
	fn proof_of_storage_response(
		c: Linear<0, { T::ChunksPerChallenge::get() }>,
		s: Linear<1, { T::MaxChunkSize::get() }>,
		d: Linear<2, MAX_PROOF_NODES>,
	) -> Result<(), BenchmarkError> {
		let contract = active::<T>(1, s, d)?;
		let sponsor: T::AccountId = account("sponsor", 0, 0);
		Pallet::<T>::do_request(sponsor, contract)?;
		let (id, challenge) = open_challenge::<T>(contract)?;
		let hoster = challenge.hoster.clone();
		let copy = T::Contracts::hosted_positions(contract)
			.into_iter()
			.find(|position| position.hoster == hoster)
			.map(|position| position.copy)
			.ok_or(BenchmarkError::Stop("no copy"))?;
		let log = benchmark_feed(feed_length(d), s);
		let (_, range, _) =
			T::Contracts::summary(contract).ok_or(BenchmarkError::Stop("no contract"))?;
		let encoded =
			|index: u32| encoding::encode_block(&copy.key, index.into(), &log.block(index.into()));
		let leaves: Vec<H256> =
			(range.start..range.end).map(|i| encoding::leaf(&encoded(i))).collect();
		assert_eq!(encoding::commitment(&leaves), copy.commitment);
		let chunks = challenge
			.chunks
			.iter()
			.take(c as usize)
			.map(|index| {
				let nodes = log.block_proof(0, u64::from(*index)).nodes;
				let copy_path = encoding::commitment_path(&leaves, index - range.start)
					.ok_or(BenchmarkError::Stop("a chunk out of the range"))?;
				Ok(ChunkProof { encoded: encoded(*index), copy_path, nodes })
			})
			.collect::<Result<Vec<_>, BenchmarkError>>()?;
		assert!(chunks.iter().all(|chunk| chunk.nodes.len() == d as usize));
		// A challenge asks for `ChunksPerChallenge` blocks; answer as many as `c` allows.
		Challenges::<T>::mutate(id, |open| {
			if let Some(open) = open {
				open.chunks.truncate(c as usize);
			}
		});
		let answers = AnswersOf::<T>::truncate_from(alloc::vec![StorageProof {
			challenge: id,
			length: feed_length(d),
			fork: 0,
			chunks,
		}]);
		#[extrinsic_call]
		_(RawOrigin::Signed(hoster), answers);
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

	/// A block's challenges: `v` positions visited (half by the sweep, half drawn at random,
	/// as when the budget keeps up), each challenged; each of the two runs crosses a page
	/// boundary of the index.
	#[benchmark]
	fn issue_challenges(
		v: Linear<0, { T::ChallengesPerBlock::get() }>,
	) -> Result<(), BenchmarkError> {
		let swept = v.div_ceil(2);
		// Three pages, unless so many positions owe the sweep more than `swept` visits a block.
		let most = swept.saturating_add(1).saturating_mul(T::ChallengePeriod::get());
		let len = (3 * POSITIONS_PER_PAGE).min(most.saturating_sub(1));
		positions::<T>(len)?;
		owe::<T>(swept, len);
		Sweep::<T>::mutate(|sweep| sweep.cursor = POSITIONS_PER_PAGE - swept / 2);
		let now = crossing::<T>(frame_system::Pallet::<T>::block_number(), v - swept, len);
		frame_system::Pallet::<T>::set_block_number(now);
		#[block]
		{
			Pallet::<T>::challenge_block(now);
		}
		let opened = Challenges::<T>::iter().count() as u32;
		assert!(opened == v || opened == v + 1, "{opened} challenges for {v} visits");
		Ok(())
	}

	/// A block's bucket of `d` deadlines, every challenge missed (none the one too many), each
	/// by a position that moved since it was challenged: its old slot's page is read for
	/// nothing and the index is asked where it is.
	#[benchmark]
	fn expire_challenges(
		d: Linear<0, { T::MaxChallengesPerBlock::get() }>,
	) -> Result<(), BenchmarkError> {
		positions::<T>(d.max(1) * POSITIONS_PER_PAGE)?;
		let now = frame_system::Pallet::<T>::block_number().saturating_add(One::one());
		let deadline = now.saturating_add(T::ChallengeTimeout::get());
		let seed = Pallet::<T>::seed(now);
		let challenged = at::<T>((0..d).map(|n| n * POSITIONS_PER_PAGE));
		Pallet::<T>::challenge_positions(now, &seed, challenged, true)
			.map_err(|_| BenchmarkError::Stop("no room for the deadlines"))?;
		let moved: Vec<ChallengeId> = Challenges::<T>::iter_keys().collect();
		for id in moved {
			Challenges::<T>::mutate(id, |challenge| {
				if let Some(challenge) = challenge {
					challenge.slot += 1;
				}
			});
		}
		let due = deadline.saturating_add(One::one());
		frame_system::Pallet::<T>::set_block_number(due);
		#[block]
		{
			Pallet::<T>::expire(due);
		}
		assert_eq!(Challenges::<T>::iter().count(), 0);
		assert_eq!(Failures::<T>::iter().count() as u32, d);
		Ok(())
	}

	/// The miss that makes a hoster fail one time too many: it is replaced.
	#[benchmark]
	fn challenge_deadline() -> Result<(), BenchmarkError> {
		let contract = active::<T>(1, 1, 10)?;
		let sponsor: T::AccountId = account("sponsor", 0, 0);
		Pallet::<T>::do_request(sponsor, contract)?;
		let (id, challenge) = open_challenge::<T>(contract)?;
		let hoster = challenge.hoster.clone();
		for _ in 1..T::MaxConsecutiveFailures::get() {
			T::Ratings::record_challenge(&hoster, &challenge.region, false);
		}
		Failures::<T>::insert(contract, &hoster, T::MaxConsecutiveFailures::get() - 1);
		let due = challenge.deadline.saturating_add(One::one());
		frame_system::Pallet::<T>::set_block_number(due);
		let replaced;
		#[block]
		{
			replaced = Pallet::<T>::miss(id, challenge, true);
		}
		assert!(replaced);
		assert!(PositionIndex::<T>::get(contract, &hoster).is_none(), "the hoster is replaced");
		Ok(())
	}

	/// One block's `on_initialize` with `10^e` checked positions: a full budget of challenges
	/// opened, and as many opened earlier missing their deadline now. Its cost must not depend
	/// on `e` (`docs/PERFORMANCE.md`). A measurement, not a weight (the hook is charged by the
	/// three above), so it runs only with `--extra`: setting up a million positions takes
	/// minutes.
	#[benchmark(extra)]
	fn challenge_block_at_scale(e: Linear<1, 6>) -> Result<(), BenchmarkError> {
		let now = scale::<T>(10u32.pow(e), 0)?;
		let before = NextChallengeId::<T>::get();
		#[block]
		{
			<Pallet<T> as Hooks<BlockNumberFor<T>>>::on_initialize(now);
		}
		scaled::<T>(before);
		Ok(())
	}

	/// The same block with 10, 10,000 and 1,000,000 checked positions (`k` = 0, 1, 2), each in
	/// a state of the same size: filler entries under a map of their own make up the difference
	/// to a million positions. The benchmark's database is an ordered map whose every lookup
	/// costs more as it grows, whatever is read; this keeps that cost the same at every point,
	/// so what differs is only what the number of positions changes.
	#[benchmark(extra)]
	fn challenge_block_at_scale_same_state(k: Linear<0, 2>) -> Result<(), BenchmarkError> {
		let count = [10, 10_000, 1_000_000][k as usize];
		let now = scale::<T>(count, 1_000_000 - count)?;
		let before = NextChallengeId::<T>::get();
		#[block]
		{
			<Pallet<T> as Hooks<BlockNumberFor<T>>>::on_initialize(now);
		}
		scaled::<T>(before);
		Ok(())
	}

	// The extra benchmarks write up to a million positions: minutes in a debug test.
	impl_benchmark_test_suite!(
		Pallet,
		crate::mock::new_bench_ext(),
		crate::mock::Test,
		extra = false
	);
}
