//! Drawing attestors, checking reports, deadlines, and starting/stopping with contracts.

use alloc::vec::Vec;
use codec::{Decode, Encode};
use datdot_primitives::{
	draw_from_pool, AccountDirectory, BenchmarkId, ContractDirectory, ContractId, ContractObserver,
	ContractStatus, Job, PlanDirectory, Priority, ProviderRegistry, Ratings, Role, ScheduleJob,
};
use frame_support::{pallet_prelude::*, traits::Randomness};
use sp_core::ed25519;
use sp_runtime::{
	traits::{Saturating, TrailingZeroInput, Verify},
	DispatchResult,
};

use crate::{
	BenchmarkOf, BenchmarkReport, Benchmarks, Config, DrawNonce, Error, Event, NextBenchmarkId,
	OpenBenchmarks, Pallet, PeriodicJobs, WeightInfo,
};

impl<T: Config> Pallet<T> {
	/// The message a hoster signs to prove the attestor reached it.
	pub fn contact_message(benchmark: BenchmarkId, attestor: &T::AccountId) -> Vec<u8> {
		(b"datdot/contact", benchmark, attestor).encode()
	}

	fn draw_attestor(
		region: &datdot_primitives::Region,
		exclude: &[T::AccountId],
	) -> Option<T::AccountId> {
		let nonce = DrawNonce::<T>::mutate(|n| {
			*n = n.wrapping_add(1);
			*n
		});
		let (hash, _) = T::Randomness::random(&(b"datdot/bench", region, nonce).encode());
		let random = u32::decode(&mut TrailingZeroInput::new(hash.as_ref())).unwrap_or_default();
		draw_from_pool::<_, T::Providers>(
			Role::Attestor,
			region,
			random,
			T::MaxDrawAttempts::get(),
			|candidate| {
				!exclude.contains(candidate)
					&& T::Providers::serves(candidate, Role::Attestor, region)
			},
		)
	}

	/// Opens a benchmark of `contract` with a drawn attestor.
	pub(crate) fn start_benchmark(contract: ContractId) -> Result<BenchmarkId, DispatchError> {
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

		let id = NextBenchmarkId::<T>::mutate(|next| {
			let id = *next;
			*next = next.saturating_add(1);
			id
		});
		let deadline =
			frame_system::Pallet::<T>::block_number().saturating_add(T::BenchmarkTimeout::get());
		let deadline_job =
			T::Scheduler::schedule(deadline, Job::BenchmarkDeadline(id), Priority::Critical)?;
		let hosters = BoundedVec::truncate_from(hosters);
		Benchmarks::<T>::insert(
			id,
			BenchmarkOf::<T> {
				contract,
				attestor: attestor.clone(),
				hosters: hosters.clone(),
				deadline,
				deadline_job: Some(deadline_job),
			},
		);
		OpenBenchmarks::<T>::insert(contract, id);
		Self::deposit_event(Event::ProvidePerformanceBenchmark {
			benchmark: id,
			attestor,
			contract,
			hosters,
			deadline,
		});
		Ok(id)
	}

	pub(crate) fn do_request(who: T::AccountId, contract: ContractId) -> DispatchResult {
		let (plan, _, _) = T::Contracts::summary(contract).ok_or(Error::<T>::UnknownContract)?;
		let terms = T::Plans::terms(plan).ok_or(Error::<T>::UnknownPlan)?;
		ensure!(terms.sponsor == who, Error::<T>::NotSponsor);
		Self::start_benchmark(contract).map(|_| ())
	}

	pub(crate) fn do_response(
		who: T::AccountId,
		report: BenchmarkReport<T::AccountId>,
	) -> DispatchResult {
		let benchmark =
			Benchmarks::<T>::get(report.benchmark).ok_or(Error::<T>::UnknownBenchmark)?;
		ensure!(benchmark.attestor == who, Error::<T>::NotBenchmarkAttestor);
		let measured = &report.measurements;
		ensure!(measured.len() == benchmark.hosters.len(), Error::<T>::WrongHosters);
		let message = Self::contact_message(report.benchmark, &who);
		for (n, m) in measured.iter().enumerate() {
			ensure!(
				benchmark.hosters.contains(&m.hoster)
					&& measured[..n].iter().all(|earlier| earlier.hoster != m.hoster),
				Error::<T>::WrongHosters
			);
			let key = T::Accounts::signing_key(&m.hoster).ok_or(Error::<T>::BadContactProof)?;
			ensure!(
				ed25519::Signature::from_raw(m.proof_of_contact)
					.verify(message.as_slice(), &ed25519::Public::from_raw(key)),
				Error::<T>::BadContactProof
			);
		}
		// The measurements count where the attestor stands.
		if let Some(seen_from) = T::Accounts::location(&who) {
			for m in measured {
				T::Ratings::record_measurement(
					&m.hoster,
					&seen_from,
					m.latency_ms,
					m.bandwidth_kbps,
				);
			}
		}
		Self::close_benchmark(report.benchmark);
		Self::deposit_event(Event::BenchmarkRecorded {
			benchmark: report.benchmark,
			attestor: who,
			contract: benchmark.contract,
		});
		Ok(())
	}

	fn close_benchmark(id: BenchmarkId) -> Option<BenchmarkOf<T>> {
		let benchmark = Benchmarks::<T>::take(id)?;
		OpenBenchmarks::<T>::remove(benchmark.contract);
		if let Some(job) = benchmark.deadline_job {
			T::Scheduler::cancel(job);
		}
		Some(benchmark)
	}

	fn schedule_periodic(contract: ContractId) {
		if PeriodicJobs::<T>::contains_key(contract) {
			return;
		}
		let at =
			frame_system::Pallet::<T>::block_number().saturating_add(T::BenchmarkPeriod::get());
		if let Ok(job) =
			T::Scheduler::schedule(at, Job::PerformanceBenchmark(contract), Priority::Low)
		{
			PeriodicJobs::<T>::insert(contract, job);
		}
	}

	/// The most a benchmark job can cost.
	pub fn job_weight(job: &Job) -> Weight {
		match job {
			Job::PerformanceBenchmark(_) => T::WeightInfo::performance_benchmark(),
			Job::BenchmarkDeadline(_) => T::WeightInfo::benchmark_deadline(),
			_ => Weight::zero(),
		}
	}

	/// Whether a benchmark job still acts on a live record.
	pub fn job_is_live(job: &Job) -> bool {
		match job {
			Job::PerformanceBenchmark(contract) => T::Contracts::summary(*contract).is_some(),
			Job::BenchmarkDeadline(id) => Benchmarks::<T>::contains_key(id),
			_ => true,
		}
	}

	/// Runs a benchmark job.
	pub fn run_job(job: Job) -> Weight {
		match job {
			Job::PerformanceBenchmark(contract) => {
				PeriodicJobs::<T>::remove(contract);
				// No attestor or an open benchmark: this period is skipped, the next one tries.
				let _ = Self::start_benchmark(contract);
				if T::Contracts::summary(contract)
					.is_some_and(|(_, _, status)| status != ContractStatus::Paused)
				{
					Self::schedule_periodic(contract);
				}
				T::WeightInfo::performance_benchmark()
			}
			Job::BenchmarkDeadline(id) => {
				// The deadline job is the one running now: nothing to cancel.
				if let Some(benchmark) = Benchmarks::<T>::take(id) {
					OpenBenchmarks::<T>::remove(benchmark.contract);
					if let Some(region) = T::Accounts::location(&benchmark.attestor) {
						T::Ratings::record_challenge(&benchmark.attestor, &region, false);
					}
					Self::deposit_event(Event::BenchmarkMissed {
						benchmark: id,
						attestor: benchmark.attestor,
						contract: benchmark.contract,
					});
				}
				T::WeightInfo::benchmark_deadline()
			}
			_ => Weight::zero(),
		}
	}

	/// Every open benchmark is indexed and belongs to a live contract.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		for (id, benchmark) in Benchmarks::<T>::iter() {
			ensure!(
				OpenBenchmarks::<T>::get(benchmark.contract) == Some(id),
				"an open benchmark is not indexed"
			);
			ensure!(
				T::Contracts::summary(benchmark.contract).is_some(),
				"a benchmark of an ended contract"
			);
		}
		for (contract, _) in PeriodicJobs::<T>::iter() {
			ensure!(
				T::Contracts::summary(contract).is_some(),
				"a periodic job of an ended contract"
			);
		}
		Ok(())
	}
}

impl<T: Config> ContractObserver<T::AccountId> for Pallet<T> {
	fn activated(contract: ContractId) {
		Self::schedule_periodic(contract);
	}

	fn stopped(contract: ContractId) {
		if let Some(job) = PeriodicJobs::<T>::take(contract) {
			T::Scheduler::cancel(job);
		}
		if let Some(id) = OpenBenchmarks::<T>::get(contract) {
			Self::close_benchmark(id);
		}
	}

	fn hoster_removed(contract: ContractId, _: &T::AccountId) {
		// The open benchmark names the removed hoster; it can no longer be answered in full.
		if let Some(id) = OpenBenchmarks::<T>::get(contract) {
			Self::close_benchmark(id);
		}
	}
}
