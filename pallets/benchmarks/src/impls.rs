//! Drawing attestors, checking reports, deadlines, and starting/stopping with contracts.

use alloc::vec::Vec;
use codec::Encode;
use datdot_primitives::{
	draw_from_pool,
	signing::{signing_payload, verify_ed25519, CONTACT_TAG},
	AccountDirectory, BenchmarkId, BenchmarkJob, ContractDirectory, ContractId, ContractObserver,
	ContractStatus, EndReason, Job, JobHandler, PlanDirectory, Priority, ProviderRegistry, Ratings,
	Region, Role, ScheduleJob,
};
use frame_support::{pallet_prelude::*, traits::Randomness};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	traits::{One, Saturating, Zero},
	DispatchResult,
};

use crate::{
	BenchmarkOf, BenchmarkReport, Benchmarks, Config, DrawNonce, Error, Event, LastRequest,
	NextBenchmarkId, OpenBenchmarks, Pallet, PeriodicJobs, WeightInfo,
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
		let deadline = Self::now().saturating_add(T::BenchmarkTimeout::get());
		let deadline_job = T::Scheduler::schedule(
			deadline.saturating_add(One::one()),
			Job::Benchmarks(BenchmarkJob::Deadline(id)),
			Priority::Critical,
		)?;
		let hosters = BoundedVec::truncate_from(hosters);
		Benchmarks::<T>::insert(
			id,
			BenchmarkOf::<T> {
				contract,
				attestor: attestor.clone(),
				region,
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
		let now = Self::now();
		if let Some(last) = LastRequest::<T>::get(contract) {
			ensure!(
				now >= last.saturating_add(T::RequestCooldown::get()),
				Error::<T>::RequestTooSoon
			);
		}
		Self::start_benchmark(contract)?;
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
		if let Some(job) = benchmark.deadline_job {
			T::Scheduler::cancel(job);
		}
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

	/// Time for a contract's periodic benchmark: open one (unless nobody can measure now or one
	/// is open) and arm the next.
	fn periodic_benchmark(contract: ContractId) -> Result<Weight, DispatchError> {
		PeriodicJobs::<T>::remove(contract);
		let Some((_, _, status)) = T::Contracts::summary(contract) else {
			return Ok(T::WeightInfo::performance_benchmark());
		};
		match Self::start_benchmark(contract) {
			Ok(_) => {}
			// Skipped this period: the next one tries again.
			Err(error)
				if error == Error::<T>::NoAttestor.into()
					|| error == Error::<T>::BenchmarkPending.into()
					|| error == Error::<T>::NothingToMeasure.into() => {}
			Err(error) => return Err(error),
		}
		if status != ContractStatus::Paused {
			Self::schedule_periodic(contract)?;
		}
		Ok(T::WeightInfo::performance_benchmark())
	}

	fn schedule_periodic(contract: ContractId) -> DispatchResult {
		if PeriodicJobs::<T>::contains_key(contract) {
			return Ok(());
		}
		let at = Self::now().saturating_add(T::BenchmarkPeriod::get());
		let job = T::Scheduler::schedule(
			at,
			Job::Benchmarks(BenchmarkJob::Measure(contract)),
			Priority::Low,
		)?;
		PeriodicJobs::<T>::insert(contract, job);
		Ok(())
	}

	/// Every open benchmark is indexed and belongs to a live contract.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		Self::check_benchmarks_indexed()?;
		Self::check_records_of_live_contracts()
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
		for (contract, _) in PeriodicJobs::<T>::iter() {
			ensure!(
				T::Contracts::summary(contract).is_some(),
				"a periodic job of an ended contract"
			);
		}
		Ok(())
	}
}

impl<T: Config> JobHandler for Pallet<T> {
	fn max_weight(job: &Job) -> Option<Weight> {
		let Job::Benchmarks(job) = job else { return None };
		Some(match job {
			BenchmarkJob::Measure(_) => T::WeightInfo::performance_benchmark(),
			BenchmarkJob::Deadline(_) => T::WeightInfo::benchmark_deadline(),
		})
	}

	fn execute(job: &Job) -> Option<Result<Weight, DispatchError>> {
		let Job::Benchmarks(job) = job else { return None };
		Some(match *job {
			BenchmarkJob::Measure(contract) => Self::periodic_benchmark(contract),
			BenchmarkJob::Deadline(id) => {
				Self::deadline(id);
				Ok(T::WeightInfo::benchmark_deadline())
			}
		})
	}

	fn abandon(job: &Job) -> Option<Weight> {
		let Job::Benchmarks(job) = job else { return None };
		match *job {
			// Checks that cannot be kept up end the contract rather than stop in silence.
			BenchmarkJob::Measure(contract) => {
				PeriodicJobs::<T>::remove(contract);
				T::Contracts::end(contract, EndReason::Stalled);
			}
			BenchmarkJob::Deadline(id) => Self::deadline(id),
		}
		Some(Self::job_weight(&Job::Benchmarks(*job)))
	}

	fn is_live(job: &Job) -> Option<bool> {
		let Job::Benchmarks(job) = job else { return None };
		Some(match job {
			BenchmarkJob::Measure(contract) => T::Contracts::summary(*contract).is_some(),
			BenchmarkJob::Deadline(id) => Benchmarks::<T>::contains_key(id),
		})
	}
}

impl<T: Config> Pallet<T> {
	/// The most a benchmark job can cost.
	pub fn job_weight(job: &Job) -> Weight {
		<Self as JobHandler>::max_weight(job).unwrap_or_default()
	}
}

impl<T: Config> ContractObserver<T::AccountId> for Pallet<T> {
	fn activated(contract: ContractId) -> DispatchResult {
		Self::schedule_periodic(contract)
	}

	fn stopped(contract: ContractId) {
		if let Some(job) = PeriodicJobs::<T>::take(contract) {
			T::Scheduler::cancel(job);
		}
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
