//! The measured contracts, each block's benchmarks and deadlines, drawing attestors, checking
//! reports, and starting/stopping with contracts.
//!
//! Like the storage challenges (`pallet-datdot-proofs`), a block's work does not depend on how
//! many contracts exist: it takes one bucket of deadlines (at most `MaxBenchmarksPerBlock`) and
//! the sweep visits at most `BenchmarksPerBlock` contracts of the dense index `Measured`
//! ([`datdot_primitives::rota`]), so each active contract is benchmarked once per
//! `BenchmarkPeriod` while the budget keeps up.

use alloc::vec::Vec;
use codec::Encode;
use datdot_primitives::{
	draw_from_pool,
	signing::{signing_payload, verify_ed25519, CONTACT_TAG},
	AccountDirectory, BenchmarkId, ContractDirectory, ContractId, ContractObserver, ContractStatus,
	PlanDirectory, ProviderRegistry, Ratings, Region, Role,
};
use frame_support::{pallet_prelude::*, traits::Randomness};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	traits::{One, Saturating, Zero},
	DispatchResult,
};

use crate::{
	AnnouncementOf, Assigned, AssignedOf, BenchmarkOf, BenchmarkReport, Benchmarks, Config,
	Deadlines, DrawNonce, Error, Event, LastRequest, Measured, MeasuredCount, MeasuredIndex,
	NextBenchmarkId, OpenBenchmarks, Pallet, Sweep, WeightInfo,
};

impl<T: Config> Pallet<T> {
	fn now() -> BlockNumberFor<T> {
		frame_system::Pallet::<T>::block_number()
	}

	/// The message a hoster signs to prove that `attestor` reached it for benchmark `id` of
	/// `contract` on this chain.
	pub fn contact_message(
		id: BenchmarkId,
		contract: ContractId,
		attestor: &T::AccountId,
		hoster: &T::AccountId,
	) -> Vec<u8> {
		let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		signing_payload(CONTACT_TAG, genesis.as_ref(), (id, contract, attestor, hoster))
	}

	fn draw_attestor(region: &Region, exclude: &[T::AccountId]) -> Option<T::AccountId> {
		let nonce = DrawNonce::<T>::mutate(|n| {
			*n = n.wrapping_add(1);
			*n
		});
		let (hash, _) = T::Randomness::random(&(b"datdot/bench", region, nonce).encode());
		let seed = datdot_primitives::blake2_256(hash.as_ref());
		draw_from_pool::<_, T::Providers>(
			Role::Attestor,
			region,
			&seed,
			T::MaxDrawAttempts::get(),
			|candidate| {
				!exclude.contains(candidate)
					&& T::Providers::serves(candidate, Role::Attestor, region)
			},
		)
	}

	/// Opens a benchmark of `contract` with a drawn attestor, its deadline `now +
	/// BenchmarkTimeout`, into `bucket` (that deadline's, which must have room).
	pub(crate) fn start_benchmark(
		contract: ContractId,
		bucket: &mut BoundedVec<BenchmarkId, T::MaxBenchmarksPerBlock>,
	) -> Result<AssignedOf<T>, DispatchError> {
		ensure!(!OpenBenchmarks::<T>::contains_key(contract), Error::<T>::BenchmarkPending);
		let (plan, _, status) =
			T::Contracts::summary(contract).ok_or(Error::<T>::UnknownContract)?;
		let terms = T::Plans::terms(plan).ok_or(Error::<T>::UnknownPlan)?;
		ensure!(status != ContractStatus::Paused && !terms.paused, Error::<T>::NothingToMeasure);
		let positions = T::Contracts::hosted_positions(contract);
		let region =
			positions.first().map(|p| p.region.clone()).ok_or(Error::<T>::NothingToMeasure)?;
		let hosters: Vec<T::AccountId> = positions.into_iter().map(|p| p.hoster).collect();
		let mut exclude = hosters.clone();
		exclude.push(terms.sponsor);
		let attestor = Self::draw_attestor(&region, &exclude).ok_or(Error::<T>::NoAttestor)?;

		let id = NextBenchmarkId::<T>::get();
		bucket.try_push(id).map_err(|_| Error::<T>::TooManyBenchmarks)?;
		NextBenchmarkId::<T>::put(id.saturating_add(1));
		let deadline = Self::now().saturating_add(T::BenchmarkTimeout::get());
		let hosters = BoundedVec::truncate_from(hosters);
		Benchmarks::<T>::insert(
			id,
			BenchmarkOf::<T> {
				contract,
				attestor: attestor.clone(),
				region,
				hosters: hosters.clone(),
				deadline,
			},
		);
		OpenBenchmarks::<T>::insert(contract, id);
		Ok(Assigned { benchmark: id, attestor, contract, hosters })
	}

	/// The block whose bucket holds the deadlines of benchmarks opened now.
	fn expiry() -> BlockNumberFor<T> {
		Self::now().saturating_add(T::BenchmarkTimeout::get()).saturating_add(One::one())
	}

	/// Stores the bucket of benchmarks opened now and announces them in one event.
	fn announce(
		bucket: BoundedVec<BenchmarkId, T::MaxBenchmarksPerBlock>,
		assigned: Vec<AssignedOf<T>>,
	) {
		if assigned.is_empty() {
			return;
		}
		let expiry = Self::expiry();
		Deadlines::<T>::insert(expiry, bucket);
		Self::deposit_event(Event::ProvidePerformanceBenchmark {
			benchmarks: AnnouncementOf::<T>::truncate_from(assigned),
			deadline: expiry.saturating_sub(One::one()),
		});
	}

	/// This block's benchmarks: the sweep's turn, within the budget. A contract that cannot be
	/// measured now (one open, paused, no attestor found) waits for its next turn.
	pub(crate) fn measure_block() -> Weight {
		let len = MeasuredCount::<T>::get();
		let mut sweep = Sweep::<T>::get();
		let budget = T::BenchmarksPerBlock::get();
		let turn = sweep.turn(len, T::BenchmarkPeriod::get(), budget);
		if turn.behind > 0 {
			Self::deposit_event(Event::BenchmarksBehind {
				behind: turn.behind,
				contracts: len,
				budget,
			});
		}
		let visits: Vec<u32> = (0..turn.sweep).filter_map(|_| sweep.next(len)).collect();
		Sweep::<T>::put(sweep);
		// The bucket is new this block and holds the budget (`integrity_test`).
		let mut bucket = Deadlines::<T>::get(Self::expiry());
		let mut assigned = Vec::with_capacity(visits.len());
		for index in &visits {
			let Some(contract) = Measured::<T>::get(index) else { continue };
			if let Ok(one) = Self::start_benchmark(contract, &mut bucket) {
				assigned.push(one);
			}
		}
		Self::announce(bucket, assigned);
		T::WeightInfo::start_benchmarks(visits.len() as u32)
	}

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
		let mut bucket = Deadlines::<T>::get(Self::expiry());
		let assigned = Self::start_benchmark(contract, &mut bucket)?;
		Self::announce(bucket, alloc::vec![assigned]);
		LastRequest::<T>::insert(contract, now);
		Ok(())
	}

	/// Whether a measurement lies in the range the chain accepts.
	fn plausible(latency_ms: u32, bandwidth_kbps: u32) -> bool {
		latency_ms <= T::MaxLatencyMs::get()
			&& (T::MinBandwidthKbps::get()..=T::MaxBandwidthKbps::get()).contains(&bandwidth_kbps)
	}

	pub(crate) fn do_response(
		who: T::AccountId,
		report: BenchmarkReport<T::AccountId>,
	) -> DispatchResult {
		let id = report.benchmark;
		let benchmark = Benchmarks::<T>::get(id).ok_or(Error::<T>::UnknownBenchmark)?;
		ensure!(benchmark.attestor == who, Error::<T>::NotBenchmarkAttestor);
		ensure!(Self::now() <= benchmark.deadline, Error::<T>::DeadlinePassed);
		let measured = &report.measurements;
		ensure!(measured.len() == benchmark.hosters.len(), Error::<T>::WrongHosters);
		for (n, m) in measured.iter().enumerate() {
			ensure!(
				benchmark.hosters.contains(&m.hoster)
					&& measured[..n].iter().all(|earlier| earlier.hoster != m.hoster),
				Error::<T>::WrongHosters
			);
			ensure!(
				Self::plausible(m.latency_ms, m.bandwidth_kbps),
				Error::<T>::ImplausibleMeasurement
			);
			let key = T::Accounts::signing_key(&m.hoster).ok_or(Error::<T>::BadContactProof)?;
			let message = Self::contact_message(id, benchmark.contract, &who, &m.hoster);
			ensure!(
				verify_ed25519(&message, &m.proof_of_contact, &key),
				Error::<T>::BadContactProof
			);
		}
		for m in measured {
			T::Ratings::record_measurement(
				&m.hoster,
				&benchmark.region,
				&who,
				m.latency_ms,
				m.bandwidth_kbps,
			);
		}
		Self::close_benchmark(id);
		Self::deposit_event(Event::BenchmarkRecorded {
			benchmark: id,
			attestor: who,
			contract: benchmark.contract,
		});
		Ok(())
	}

	fn close_benchmark(id: BenchmarkId) -> Option<BenchmarkOf<T>> {
		let benchmark = Benchmarks::<T>::take(id)?;
		OpenBenchmarks::<T>::remove(benchmark.contract);
		Some(benchmark)
	}

	/// The deadline of benchmark `id` passed: the attestor failed a duty in its region.
	fn deadline(id: BenchmarkId) {
		let Some(benchmark) = Self::close_benchmark(id) else { return };
		T::Ratings::record_challenge(&benchmark.attestor, &benchmark.region, false);
		Self::deposit_event(Event::BenchmarkMissed {
			benchmark: id,
			attestor: benchmark.attestor,
			contract: benchmark.contract,
		});
	}

	/// The deadlines that pass at `now`: every benchmark still open in the bucket is missed.
	pub(crate) fn expire(now: BlockNumberFor<T>) -> Weight {
		let bucket = Deadlines::<T>::take(now);
		let due = bucket.len() as u32;
		for id in bucket {
			Self::deadline(id);
		}
		T::WeightInfo::expire_benchmarks(due)
	}

	/// The most one block's benchmarks and deadlines can cost.
	pub fn worst_block_weight() -> Weight {
		T::WeightInfo::expire_benchmarks(T::MaxBenchmarksPerBlock::get())
			.saturating_add(T::WeightInfo::start_benchmarks(T::BenchmarksPerBlock::get()))
	}

	/// Adds `contract` at the end of the dense index, unless it is there already.
	fn index(contract: ContractId) {
		if MeasuredIndex::<T>::contains_key(contract) {
			return;
		}
		let len = MeasuredCount::<T>::get();
		MeasuredIndex::<T>::insert(contract, len);
		Measured::<T>::insert(len, contract);
		MeasuredCount::<T>::put(len.saturating_add(1));
	}

	/// Removes `contract` from the dense index, filling its slot as the sweep requires.
	fn unindex(contract: ContractId) {
		let Some(index) = MeasuredIndex::<T>::take(contract) else { return };
		let len = MeasuredCount::<T>::get();
		let mut sweep = Sweep::<T>::get();
		for (from, to) in sweep.removal(index, len).into_iter().flatten() {
			if let Some(moved) = Measured::<T>::get(from) {
				MeasuredIndex::<T>::insert(moved, to);
				Measured::<T>::insert(to, moved);
			}
		}
		let last = len.saturating_sub(1);
		Measured::<T>::remove(last);
		MeasuredCount::<T>::put(last);
		Sweep::<T>::put(sweep);
	}

	/// Every open benchmark is indexed, waits in its deadline's bucket and belongs to a live
	/// contract; the measured contracts are dense and live.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		Self::check_benchmarks_indexed()?;
		Self::check_measured()?;
		Self::check_records_of_live_contracts()
	}

	fn check_measured() -> Result<(), sp_runtime::TryRuntimeError> {
		let len = MeasuredCount::<T>::get();
		for index in 0..len {
			let contract = Measured::<T>::get(index).ok_or("a hole in the measured contracts")?;
			ensure!(
				MeasuredIndex::<T>::get(contract) == Some(index),
				"a measured contract is not indexed where it lies"
			);
			ensure!(T::Contracts::summary(contract).is_some(), "an ended contract is measured");
		}
		ensure!(Measured::<T>::iter_keys().count() as u32 == len, "a slot past the count");
		ensure!(MeasuredIndex::<T>::iter_keys().count() as u32 == len, "an index of no slot");
		let now = Self::now();
		for (id, benchmark) in Benchmarks::<T>::iter() {
			let expires = benchmark.deadline.saturating_add(One::one());
			ensure!(expires > now, "an open benchmark's deadline passed");
			ensure!(
				Deadlines::<T>::get(expires).contains(&id),
				"an open benchmark is missing from its deadline's bucket"
			);
		}
		Ok(())
	}

	fn check_benchmarks_indexed() -> Result<(), sp_runtime::TryRuntimeError> {
		for (id, benchmark) in Benchmarks::<T>::iter() {
			ensure!(
				OpenBenchmarks::<T>::get(benchmark.contract) == Some(id),
				"an open benchmark is not indexed"
			);
		}
		for (contract, id) in OpenBenchmarks::<T>::iter() {
			let benchmark = Benchmarks::<T>::get(id).ok_or("an index names no benchmark")?;
			ensure!(benchmark.contract == contract, "an index names another benchmark");
		}
		Ok(())
	}

	fn check_records_of_live_contracts() -> Result<(), sp_runtime::TryRuntimeError> {
		for (_, benchmark) in Benchmarks::<T>::iter() {
			ensure!(
				T::Contracts::summary(benchmark.contract).is_some(),
				"a benchmark of an ended contract"
			);
		}
		Ok(())
	}
}

impl<T: Config> ContractObserver<T::AccountId> for Pallet<T> {
	fn activated(contract: ContractId) -> DispatchResult {
		Self::index(contract);
		Ok(())
	}

	fn stopped(contract: ContractId) {
		Self::unindex(contract);
		if let Some(id) = OpenBenchmarks::<T>::get(contract) {
			Self::close_benchmark(id);
		}
	}

	fn ended(contract: ContractId) {
		Self::stopped(contract);
		LastRequest::<T>::remove(contract);
	}

	fn hoster_removed(contract: ContractId, _: &T::AccountId) {
		// The open benchmark names the removed hoster; it can no longer be answered in full.
		if let Some(id) = OpenBenchmarks::<T>::get(contract) {
			Self::close_benchmark(id);
		}
	}
}
