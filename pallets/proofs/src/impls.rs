//! The checked positions, each block's challenges and deadlines, answers, and starting/stopping
//! with contracts.
//!
//! A block's work does not depend on how many positions are checked: it takes one bucket of
//! deadlines (at most `MaxChallengesPerBlock`) and visits at most `ChallengesPerBlock` positions
//! of the dense index `Positions`, by the sweep and by random draws ([`datdot_primitives::rota`]).
//! Nothing here iterates over contracts, plans or providers; a contract's positions are at most
//! `MaxHostersPerContract`.

use alloc::vec::Vec;
use codec::Encode;
use datdot_primitives::{
	blake2_256,
	encoding::{self, MAX_COPY_PATH},
	feed::{BlockProof, FeedError, MAX_PROOF_NODES},
	probe_index, ChallengeId, ChunkIndex, ChunkRange, ContractDirectory, ContractId,
	ContractObserver, ContractStatus, PlanDirectory, Ratings,
};
use frame_support::{pallet_prelude::*, storage::with_storage_layer, traits::Randomness};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	traits::{One, Saturating},
	DispatchResult,
};

use crate::{
	AnnouncementOf, ChallengeOf, Challenged, ChallengedOf, Challenges, Config, Deadlines, Error,
	Event, Failures, LastRequest, NextChallengeId, PageOf, Pallet, Position, PositionCount,
	PositionIndex, PositionOf, Positions, StorageProof, Sweep, WeightInfo, POSITIONS_PER_PAGE,
};

/// Counts of one block's deadlines, for its weight.
#[derive(Default)]
struct Expired {
	/// Entries of the bucket.
	due: u32,
	/// Misses that replaced their hoster, or whose hoster had left.
	heavy: u32,
}

/// The page of the index read last, so that a run of consecutive slots reads each page once.
pub(crate) struct Pages<T: Config> {
	held: Option<(u32, PageOf<T>)>,
}

impl<T: Config> Default for Pages<T> {
	fn default() -> Self {
		Self { held: None }
	}
}

impl<T: Config> Pages<T> {
	/// The position at slot `index`.
	pub(crate) fn get(&mut self, index: u32) -> Option<PositionOf<T>> {
		let (page, at) = Pallet::<T>::locate(index);
		if self.held.as_ref().is_none_or(|(held, _)| *held != page) {
			self.held = Some((page, Positions::<T>::get(page)));
		}
		self.held.as_ref().and_then(|(_, positions)| positions.get(at).cloned())
	}

	/// Reads again from storage, which changed.
	fn forget(&mut self) {
		self.held = None;
	}
}

impl<T: Config> Pallet<T> {
	fn now() -> BlockNumberFor<T> {
		frame_system::Pallet::<T>::block_number()
	}

	/// The seed of the challenges issued in this block: the block's randomness.
	pub(crate) fn seed(now: BlockNumberFor<T>) -> [u8; 32] {
		let (hash, _) = T::Randomness::random(&(b"datdot/challenges", now).encode());
		blake2_256(hash.as_ref())
	}

	/// `count` distinct chunk indexes of `range` (all of it when shorter), ascending, drawn for
	/// challenge `id` from `seed`.
	pub(crate) fn pick_chunks(
		seed: &[u8; 32],
		id: ChallengeId,
		range: ChunkRange,
		count: u32,
	) -> Vec<ChunkIndex> {
		let len = range.len();
		if len <= count {
			return (range.start..range.end).collect();
		}
		let seed = blake2_256(&(seed, id).encode());
		let mut picked: Vec<ChunkIndex> = Vec::with_capacity(count as usize);
		for nonce in 0..count {
			let mut candidate = range.start.saturating_add(probe_index(&seed, nonce, len));
			// Collisions are rare; a linear probe keeps the loop bounded by `count`.
			while picked.contains(&candidate) {
				candidate = if candidate.saturating_add(1) >= range.end {
					range.start
				} else {
					candidate.saturating_add(1)
				};
			}
			picked.push(candidate);
		}
		picked.sort_unstable();
		picked
	}

	// --- The checked positions ---

	/// Slot `index`'s page and place in the page.
	fn locate(index: u32) -> (u32, usize) {
		(index / POSITIONS_PER_PAGE, (index % POSITIONS_PER_PAGE) as usize)
	}

	/// The position at slot `index`.
	pub(crate) fn position(index: u32) -> Option<PositionOf<T>> {
		let (page, at) = Self::locate(index);
		Positions::<T>::get(page).get(at).cloned()
	}

	/// Puts `position` at slot `index`, which holds one.
	fn replace(index: u32, position: PositionOf<T>) {
		let (page, at) = Self::locate(index);
		Positions::<T>::mutate(page, |positions| {
			if let Some(slot) = positions.get_mut(at) {
				*slot = position;
			}
		});
	}

	/// Adds a position at the end of the dense index, unless it is there already.
	fn index(position: PositionOf<T>) {
		if PositionIndex::<T>::contains_key(position.contract, &position.hoster) {
			return;
		}
		let len = PositionCount::<T>::get();
		let (contract, hoster) = (position.contract, position.hoster.clone());
		// The last page holds exactly the slots below `len`, so this is slot `len`.
		let added = Positions::<T>::mutate(Self::locate(len).0, |positions| {
			positions.try_push(position).is_ok()
		});
		if added {
			PositionIndex::<T>::insert(contract, &hoster, len);
			PositionCount::<T>::put(len.saturating_add(1));
		}
	}

	/// Removes a position from the dense index, filling its slot as the sweep requires.
	fn unindex(contract: ContractId, hoster: &T::AccountId) {
		let Some(index) = PositionIndex::<T>::take(contract, hoster) else { return };
		let len = PositionCount::<T>::get();
		let mut sweep = Sweep::<T>::get();
		for (from, to) in sweep.removal(index, len).into_iter().flatten() {
			if let Some(moved) = Self::position(from) {
				PositionIndex::<T>::insert(moved.contract, &moved.hoster, to);
				Self::replace(to, moved);
			}
		}
		let last = len.saturating_sub(1);
		Positions::<T>::mutate_exists(Self::locate(last).0, |page| {
			if let Some(positions) = page {
				positions.pop();
				if positions.is_empty() {
					*page = None;
				}
			}
		});
		PositionCount::<T>::put(last);
		Sweep::<T>::put(sweep);
	}

	/// Indexes the hosted positions of `contract` (`hoster`'s only, if given).
	fn index_contract(contract: ContractId, hoster: Option<&T::AccountId>) {
		let Some((_, range, _)) = T::Contracts::summary(contract) else { return };
		for position in T::Contracts::hosted_positions(contract) {
			if hoster.is_none_or(|h| *h == position.hoster) {
				Self::index(Position {
					contract,
					hoster: position.hoster,
					region: position.region,
					range,
				});
			}
		}
	}

	/// Removes every position of `contract` from the index (at most `MaxHostersPerContract`).
	fn unindex_contract(contract: ContractId) {
		let hosters: Vec<T::AccountId> = PositionIndex::<T>::iter_key_prefix(contract).collect();
		for hoster in hosters {
			Self::unindex(contract, &hoster);
		}
	}

	// --- Issuing ---

	/// Opens challenge `id` of the position at `slot`.
	fn open(
		id: ChallengeId,
		(slot, position): (u32, PositionOf<T>),
		seed: &[u8; 32],
		deadline: BlockNumberFor<T>,
	) -> ChallengedOf<T> {
		let chunks = BoundedVec::truncate_from(Self::pick_chunks(
			seed,
			id,
			position.range,
			T::ChunksPerChallenge::get(),
		));
		let Position { contract, hoster, region, .. } = position;
		Challenges::<T>::insert(
			id,
			ChallengeOf::<T> {
				contract,
				hoster: hoster.clone(),
				region,
				chunks: chunks.clone(),
				deadline,
				slot,
			},
		);
		Challenged { challenge: id, hoster, contract, chunks }
	}

	/// Opens a challenge of each `(slot, position)` with deadline `now + ChallengeTimeout`,
	/// and announces them in one event. More than the deadline's bucket has room for are
	/// refused, changing nothing, if `whole`; otherwise the first that fit are opened.
	pub(crate) fn challenge_positions(
		now: BlockNumberFor<T>,
		seed: &[u8; 32],
		mut positions: Vec<(u32, PositionOf<T>)>,
		whole: bool,
	) -> Result<u32, Error<T>> {
		let deadline = now.saturating_add(T::ChallengeTimeout::get());
		let expires = deadline.saturating_add(One::one());
		let mut bucket = Deadlines::<T>::get(expires);
		let room = T::MaxChallengesPerBlock::get().saturating_sub(bucket.len() as u32) as usize;
		ensure!(!whole || positions.len() <= room, Error::<T>::TooManyChallenges);
		positions.truncate(room);
		if positions.is_empty() {
			return Ok(0);
		}
		let count = positions.len() as u32;
		let first = NextChallengeId::<T>::get();
		let mut announced = Vec::with_capacity(positions.len());
		for (id, position) in (first..).zip(positions) {
			// Room was checked above.
			let _ = bucket.try_push(id);
			announced.push(Self::open(id, position, seed, deadline));
		}
		NextChallengeId::<T>::put(first.saturating_add(count.into()));
		Deadlines::<T>::insert(expires, bucket);
		Self::deposit_event(Event::ProvideProofOfStorage {
			challenges: AnnouncementOf::<T>::truncate_from(announced),
			deadline,
		});
		Ok(count)
	}

	/// This block's challenges, within the budget: the sweep's turn, a run of consecutive
	/// slots from the cursor, and the random draws, a run of consecutive slots from a random
	/// start. Each position is as likely as any other to be in the random run, and the two
	/// runs read a few pages of the index however many positions it holds.
	pub(crate) fn challenge_block(now: BlockNumberFor<T>) -> Weight {
		let len = PositionCount::<T>::get();
		let mut sweep = Sweep::<T>::get();
		let budget = T::ChallengesPerBlock::get();
		let turn = sweep.turn(len, T::ChallengePeriod::get(), budget);
		if turn.behind > 0 {
			Self::deposit_event(Event::ChallengesBehind {
				behind: turn.behind,
				positions: len,
				budget,
			});
		}
		if turn.visits() == 0 {
			Sweep::<T>::put(sweep);
			return T::WeightInfo::issue_challenges(0);
		}
		let seed = Self::seed(now);
		let swept: Vec<u32> = (0..turn.sweep).filter_map(|_| sweep.next(len)).collect();
		Sweep::<T>::put(sweep);
		let start = u64::from(probe_index(&seed, 0, len));
		let drawn = (0..u64::from(turn.random))
			.filter_map(|k| start.saturating_add(k).checked_rem(u64::from(len)))
			.map(|slot| slot as u32);
		let mut pages = Pages::<T>::default();
		let positions: Vec<(u32, PositionOf<T>)> = swept
			.into_iter()
			.chain(drawn)
			.filter_map(|slot| pages.get(slot).map(|position| (slot, position)))
			.collect();
		// The bucket of this block's deadlines is new and holds the budget (`integrity_test`).
		let _ = Self::challenge_positions(now, &seed, positions, false);
		T::WeightInfo::issue_challenges(turn.visits())
	}

	// --- Deadlines ---

	/// The deadlines that pass at `now`: every challenge still open in the bucket is missed.
	pub(crate) fn expire(now: BlockNumberFor<T>) -> Weight {
		let bucket = Deadlines::<T>::take(now);
		let mut expired = Expired { due: bucket.len() as u32, ..Default::default() };
		let mut pages = Pages::<T>::default();
		for id in bucket {
			if let Some(challenge) = Challenges::<T>::take(id) {
				let checked = Self::still_checked(&mut pages, &challenge);
				if Self::miss(id, challenge, checked) {
					expired.heavy.saturating_inc();
					// A replacement moves positions of the index.
					pages.forget();
				}
			}
		}
		T::WeightInfo::expire_challenges(expired.due).saturating_add(
			T::WeightInfo::challenge_deadline().saturating_mul(expired.heavy.into()),
		)
	}

	/// Whether the challenged hoster still holds its position: in the slot where it was
	/// challenged (the slots of one bucket share a few pages) or, if a removal moved it since,
	/// wherever the index says.
	fn still_checked(pages: &mut Pages<T>, challenge: &ChallengeOf<T>) -> bool {
		pages.get(challenge.slot).is_some_and(|position| {
			position.contract == challenge.contract && position.hoster == challenge.hoster
		}) || PositionIndex::<T>::contains_key(challenge.contract, &challenge.hoster)
	}

	/// Counts challenge `id` as missed, in the position's region and, while the hoster still
	/// holds the position (`checked`), in the contract, where one miss too many replaces it.
	/// A hoster that left with the challenge open missed it too; a paused or ended contract's
	/// challenges lapse. Returns whether it did more than count (a replacement, or a look at
	/// the contract).
	pub(crate) fn miss(id: ChallengeId, challenge: ChallengeOf<T>, checked: bool) -> bool {
		let ChallengeOf::<T> { contract, hoster, region, .. } = challenge;
		if !checked && !Self::running(contract) {
			return true;
		}
		T::Ratings::record_challenge(&hoster, &region, false);
		let failures = if checked {
			Failures::<T>::mutate(contract, &hoster, |n| {
				n.saturating_inc();
				*n
			})
		} else {
			Failures::<T>::get(contract, &hoster).saturating_add(1)
		};
		Self::deposit_event(Event::ProofMissed {
			challenge: id,
			hoster: hoster.clone(),
			contract,
			consecutive_failures: failures,
		});
		if !checked {
			return true;
		}
		if failures < T::MaxConsecutiveFailures::get() {
			return false;
		}
		// A replacement that cannot be made now leaves the count as it is: the next miss tries
		// again.
		let _ = with_storage_layer(|| T::Contracts::replace_hoster(contract, &hoster));
		true
	}

	/// Whether `contract` exists and neither it nor its plan is paused.
	fn running(contract: ContractId) -> bool {
		let Some((plan, _, status)) = T::Contracts::summary(contract) else { return false };
		status != ContractStatus::Paused && T::Plans::terms(plan).is_some_and(|t| !t.paused)
	}

	/// The most one block's challenges and deadlines can cost.
	pub fn worst_block_weight() -> Weight {
		let due = T::MaxChallengesPerBlock::get();
		T::WeightInfo::expire_challenges(due)
			.saturating_add(T::WeightInfo::challenge_deadline().saturating_mul(due.into()))
			.saturating_add(T::WeightInfo::issue_challenges(T::ChallengesPerBlock::get()))
	}

	/// The heaviest answer to one challenge: every chunk asked, each of the largest size with
	/// the deepest Hypercore proof and the longest commitment path.
	pub fn heaviest_answer() -> StorageProof {
		let chunk = crate::ChunkProof {
			encoded: alloc::vec![0; T::MaxChunkSize::get() as usize],
			copy_path: alloc::vec![sp_core::H256::zero(); MAX_COPY_PATH as usize],
			nodes: alloc::vec![
				datdot_primitives::feed::Node { index: 0, size: 0, hash: [0; 32] };
				MAX_PROOF_NODES as usize
			],
		};
		let chunks = T::ChunksPerChallenge::get() as usize;
		StorageProof { challenge: 0, length: 1, fork: 0, chunks: alloc::vec![chunk; chunks] }
	}

	/// The room a block keeps for operational transactions, which normal ones cannot take:
	/// (weight, length).
	pub fn answer_room() -> (Weight, u32) {
		let weights = T::BlockWeights::get();
		let normal = weights.get(DispatchClass::Normal).max_total.unwrap_or(weights.max_block);
		let lengths = T::BlockLength::get();
		let length = lengths
			.max
			.get(DispatchClass::Operational)
			.saturating_sub(*lengths.max.get(DispatchClass::Normal));
		(weights.max_block.saturating_sub(normal), length)
	}

	/// What the answers to one block's worth of challenges take at worst: (weight, length).
	/// Challenges are opened at most `MaxChallengesPerBlock` a block (one deadline bucket each
	/// block), so this is also what answers need per block over time.
	pub fn answers_per_block() -> (Weight, u32) {
		let answer = Self::heaviest_answer();
		let count = T::MaxChallengesPerBlock::get();
		(
			Self::response_weight(&answer).saturating_mul(count.into()),
			(answer.encoded_size() as u32).saturating_mul(count),
		)
	}

	// --- Sponsors' requests ---

	pub(crate) fn do_request(who: T::AccountId, contract: ContractId) -> DispatchResult {
		let (plan, _, _) = T::Contracts::summary(contract).ok_or(Error::<T>::UnknownContract)?;
		let terms = T::Plans::terms(plan).ok_or(Error::<T>::UnknownPlan)?;
		ensure!(terms.sponsor == who, Error::<T>::NotSponsor);
		let now = Self::now();
		if let Some(last) = LastRequest::<T>::get(contract) {
			ensure!(
				now >= last.saturating_add(T::RequestCooldown::get()),
				Error::<T>::RequestTooSoon
			);
		}
		ensure!(Self::running(contract), Error::<T>::NothingToChallenge);
		let positions: Vec<(u32, PositionOf<T>)> = PositionIndex::<T>::iter_prefix_values(contract)
			.filter_map(|slot| Self::position(slot).map(|position| (slot, position)))
			.collect();
		ensure!(!positions.is_empty(), Error::<T>::NothingToChallenge);
		Self::challenge_positions(now, &Self::seed(now), positions, true)?;
		LastRequest::<T>::insert(contract, now);
		Ok(())
	}

	// --- Answers ---

	/// The weight `proof_of_storage_response` is charged before it runs: each answer's own.
	pub fn answers_weight(proofs: &[StorageProof]) -> Weight {
		proofs
			.iter()
			.fold(Weight::zero(), |total, proof| total.saturating_add(Self::response_weight(proof)))
	}

	/// The weight of one answer: its chunks, the largest of them, the deepest Hypercore proof
	/// and the longest commitment path, each within its bound.
	pub fn response_weight(proof: &StorageProof) -> Weight {
		let chunks = proof.chunks.iter().take(T::ChunksPerChallenge::get() as usize);
		let size = chunks.clone().map(|chunk| chunk.encoded.len()).max().unwrap_or_default();
		let depth = chunks.clone().map(|chunk| chunk.nodes.len()).max().unwrap_or_default();
		let path = chunks.map(|chunk| chunk.copy_path.len()).max().unwrap_or_default();
		let (count, size, depth, path) = (
			(proof.chunks.len() as u32).min(T::ChunksPerChallenge::get()),
			(size as u32).min(T::MaxChunkSize::get()),
			(depth as u32).min(MAX_PROOF_NODES),
			(path as u32).min(MAX_COPY_PATH),
		);
		// The verifiers' cost per level of a proof and of a path, measured on their own: a whole
		// answer's run time varies more from run to run than its proofs' depth adds, so its
		// benchmark cannot always tell the depth's share apart.
		let per_level = T::WeightInfo::verify_block(0, depth)
			.saturating_sub(T::WeightInfo::verify_block(0, 0))
			.saturating_add(
				T::WeightInfo::verify_copy_path(path)
					.saturating_sub(T::WeightInfo::verify_copy_path(0)),
			)
			.saturating_mul(count.into());
		T::WeightInfo::proof_of_storage_response(count, size, depth).saturating_add(per_level)
	}

	/// The error of a block proof the feed's tree refused.
	fn proof_error(error: FeedError) -> Error<T> {
		match error {
			FeedError::ForkMismatch => Error::<T>::WrongFork,
			FeedError::ProofTooShort | FeedError::ProofTooLong => Error::<T>::WrongPathLength,
			FeedError::WrongNodeIndex => Error::<T>::WrongNodeIndex,
			FeedError::SizeMismatch | FeedError::SizeOverflow => Error::<T>::WrongSize,
			FeedError::OutOfRange => Error::<T>::WrongChunks,
			_ => Error::<T>::InvalidProof,
		}
	}

	/// Checks every answer, then counts them all: one that fails changes nothing.
	pub(crate) fn do_respond(who: T::AccountId, proofs: Vec<StorageProof>) -> DispatchResult {
		ensure!(!proofs.is_empty(), Error::<T>::NoAnswers);
		let mut checked: Vec<(ChallengeId, ChallengeOf<T>)> = Vec::with_capacity(proofs.len());
		for proof in proofs {
			let id = proof.challenge;
			ensure!(checked.iter().all(|(other, _)| *other != id), Error::<T>::DuplicateAnswer);
			checked.push((id, Self::check_answer(&who, proof)?));
		}
		for (id, challenge) in checked {
			Challenges::<T>::remove(id);
			Failures::<T>::remove(challenge.contract, &who);
			T::Ratings::record_challenge(&who, &challenge.region, true);
			Self::deposit_event(Event::ProofAccepted {
				challenge: id,
				hoster: who.clone(),
				contract: challenge.contract,
			});
		}
		Ok(())
	}

	/// Checks one answer of `who`; returns the challenge it answers.
	fn check_answer(
		who: &T::AccountId,
		proof: StorageProof,
	) -> Result<ChallengeOf<T>, DispatchError> {
		let challenge =
			Challenges::<T>::get(proof.challenge).ok_or(Error::<T>::UnknownChallenge)?;
		ensure!(challenge.hoster == *who, Error::<T>::NotChallengedHoster);
		ensure!(Self::now() <= challenge.deadline, Error::<T>::DeadlinePassed);
		let (plan, range, _) =
			T::Contracts::summary(challenge.contract).ok_or(Error::<T>::UnknownContract)?;
		ensure!(proof.chunks.len() == challenge.chunks.len(), Error::<T>::WrongChunks);
		for answer in &proof.chunks {
			ensure!(
				answer.encoded.len() <= T::MaxChunkSize::get() as usize,
				Error::<T>::ChunkTooLarge
			);
			ensure!(answer.nodes.len() <= MAX_PROOF_NODES as usize, Error::<T>::PathTooLong);
			ensure!(answer.copy_path.len() <= MAX_COPY_PATH as usize, Error::<T>::CopyPathTooLong);
		}
		let copy = T::Contracts::hosted_positions(challenge.contract)
			.into_iter()
			.find(|position| position.hoster == *who)
			.map(|position| position.copy)
			.ok_or(Error::<T>::NotHosting)?;
		let feed = T::Plans::feed(plan).ok_or(Error::<T>::UnknownPlan)?;
		ensure!(proof.length == feed.length, Error::<T>::StaleFeed);
		for (answer, chunk) in proof.chunks.into_iter().zip(challenge.chunks.iter().copied()) {
			ensure!(
				encoding::in_commitment(
					&copy.commitment,
					range,
					chunk,
					&answer.encoded,
					&answer.copy_path,
				),
				Error::<T>::NotInCopy
			);
			let index = u64::from(chunk);
			let value = encoding::decode_block(&copy.key, index, &answer.encoded);
			let block = BlockProof { fork: proof.fork, index, value, nodes: answer.nodes };
			feed.verify(&block).map_err(Self::proof_error)?;
		}
		Ok(challenge)
	}

	// --- Invariants ---

	/// The index is dense and consistent, every open challenge waits in its deadline's bucket,
	/// and every record belongs to a live contract.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		Self::check_index()?;
		Self::check_challenges()?;
		Self::check_records_of_live_contracts()
	}

	fn check_index() -> Result<(), sp_runtime::TryRuntimeError> {
		let len = PositionCount::<T>::get();
		let mut pages = Pages::<T>::default();
		for index in 0..len {
			let position = pages.get(index).ok_or("a hole in the positions")?;
			ensure!(
				PositionIndex::<T>::get(position.contract, &position.hoster) == Some(index),
				"a position is not indexed where it lies"
			);
		}
		let held: u32 = Positions::<T>::iter_values().map(|page| page.len() as u32).sum();
		ensure!(held == len, "a position past the count");
		ensure!(PositionIndex::<T>::iter_keys().count() as u32 == len, "an index of no position");
		Ok(())
	}

	fn check_challenges() -> Result<(), sp_runtime::TryRuntimeError> {
		let now = Self::now();
		for (id, challenge) in Challenges::<T>::iter() {
			let expires = challenge.deadline.saturating_add(One::one());
			ensure!(expires > now, "an open challenge's deadline passed");
			ensure!(
				Deadlines::<T>::get(expires).contains(&id),
				"an open challenge is missing from its deadline's bucket"
			);
		}
		Ok(())
	}

	fn check_records_of_live_contracts() -> Result<(), sp_runtime::TryRuntimeError> {
		for (contract, _) in PositionIndex::<T>::iter_keys() {
			ensure!(T::Contracts::summary(contract).is_some(), "a position of an ended contract");
		}
		for (contract, _, _) in Failures::<T>::iter() {
			ensure!(T::Contracts::summary(contract).is_some(), "failures of an ended contract");
		}
		Ok(())
	}
}

impl<T: Config> ContractObserver<T::AccountId> for Pallet<T> {
	fn activated(contract: ContractId) -> DispatchResult {
		Self::index_contract(contract, None);
		Ok(())
	}

	fn stopped(contract: ContractId) {
		// Its open challenges lapse at their deadlines.
		Self::unindex_contract(contract);
	}

	fn ended(contract: ContractId) {
		Self::unindex_contract(contract);
		LastRequest::<T>::remove(contract);
		// At most one entry per position: a hoster's entry goes when it leaves.
		for _ in Failures::<T>::drain_prefix(contract) {}
	}

	fn hoster_removed(contract: ContractId, hoster: &T::AccountId) {
		// Leaving with a challenge open does not escape it: it counts as missed at its deadline.
		Self::unindex(contract, hoster);
		Failures::<T>::remove(contract, hoster);
	}

	fn hoster_added(contract: ContractId, hoster: &T::AccountId) -> DispatchResult {
		Self::index_contract(contract, Some(hoster));
		Ok(())
	}
}
