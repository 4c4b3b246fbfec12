//! Benchmarks of the performance-benchmark calls and jobs, run on the real runtime.

use super::*;
use alloc::vec::Vec;
use datdot_primitives::{
	BenchmarkHelper, BenchmarkJob, ContractId, Job, JobHandler, Ratings, Role,
};
use frame_benchmarking::v2::*;
use frame_support::traits::Get;
use frame_system::RawOrigin;

const REGION: &[u8] = b"u33d";

/// An active contract with `hosters` hosters and an extra attestor free to measure it.
fn active<T: Config>(hosters: u32) -> ContractId {
	let sponsor: T::AccountId = account("sponsor", 0, 0);
	let contract = T::BenchmarkHelper::active_contract(&sponsor, hosters as u8, REGION, 100, 64);
	let measurer: T::AccountId = account("measurer", 0, 0);
	T::BenchmarkHelper::provider(&measurer, Role::Attestor, REGION, 4);
	contract
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn performance_benchmark_request() {
		let contract = active::<T>(T::MaxHostersPerContract::get());
		let sponsor: T::AccountId = account("sponsor", 0, 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(sponsor), BenchmarkRequest { contract });
		assert!(OpenBenchmarks::<T>::get(contract).is_some());
	}

	#[benchmark]
	fn performance_benchmark_response(
		h: Linear<1, { T::MaxHostersPerContract::get() }>,
	) -> Result<(), BenchmarkError> {
		let contract = active::<T>(h);
		let id = Pallet::<T>::start_benchmark(contract)?;
		let benchmark = Benchmarks::<T>::get(id).ok_or(BenchmarkError::Stop("no benchmark"))?;
		// Every hoster's window of recent samples is full: the new one replaces the oldest.
		for hoster in &benchmark.hosters {
			for n in 0..8 {
				let sampler: T::AccountId = account("sampler", n, 0);
				T::Ratings::record_measurement(hoster, &benchmark.region, &sampler, 45, 9_000);
			}
		}
		let measurements = benchmark
			.hosters
			.iter()
			.map(|hoster| {
				let message =
					Pallet::<T>::contact_message(id, contract, &benchmark.attestor, hoster);
				HosterMeasurement {
					hoster: hoster.clone(),
					latency_ms: 40,
					bandwidth_kbps: 10_000,
					proof_of_contact: T::BenchmarkHelper::sign(hoster, &message),
				}
			})
			.collect::<Vec<_>>();
		#[extrinsic_call]
		_(
			RawOrigin::Signed(benchmark.attestor.clone()),
			BenchmarkReport { benchmark: id, measurements },
		);
		assert!(Benchmarks::<T>::get(id).is_none());
		Ok(())
	}

	#[benchmark]
	fn performance_benchmark() {
		let contract = active::<T>(T::MaxHostersPerContract::get());
		#[block]
		{
			<Pallet<T> as JobHandler>::execute(&Job::Benchmarks(BenchmarkJob::Measure(contract)));
		}
		assert!(OpenBenchmarks::<T>::get(contract).is_some());
	}

	#[benchmark]
	fn benchmark_deadline() -> Result<(), BenchmarkError> {
		let contract = active::<T>(T::MaxHostersPerContract::get());
		let id = Pallet::<T>::start_benchmark(contract)?;
		#[block]
		{
			<Pallet<T> as JobHandler>::execute(&Job::Benchmarks(BenchmarkJob::Deadline(id)));
		}
		assert!(Benchmarks::<T>::get(id).is_none());
		Ok(())
	}
}
