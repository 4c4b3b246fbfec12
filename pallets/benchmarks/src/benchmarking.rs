//! Benchmarks of the performance-benchmark calls and of each block's benchmarks and deadlines,
//! run on the real runtime.

use super::*;
use alloc::vec::Vec;
use datdot_primitives::{rota::Rota, BenchmarkHelper, ContractId, Ratings, Role};
use frame_benchmarking::v2::*;
use frame_support::traits::Get;
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use sp_runtime::traits::{One, Saturating};

const REGION: &[u8] = b"u33d";

/// An active contract of sponsor `n` (each sponsor's feed is its own, so that many contracts
/// stay within a feed's limit of plans) with `hosters` hosters, and an extra attestor free to
/// measure it.
fn active<T: Config>(n: u32, hosters: u32) -> Result<ContractId, BenchmarkError> {
	let sponsor: T::AccountId = account("sponsor", n, 0);
	let contract = T::BenchmarkHelper::active_contract(&sponsor, hosters as u8, REGION, 100, 64)
		.ok_or(BenchmarkError::Stop("no active contract"))?;
	let measurer: T::AccountId = account("measurer", 0, 0);
	T::BenchmarkHelper::provider(&measurer, Role::Attestor, REGION, 4);
	Ok(contract)
}

/// `count` active contracts of the most hosters, of as many sponsors.
fn actives<T: Config>(count: u32) -> Result<Vec<ContractId>, BenchmarkError> {
	(0..count).map(|n| active::<T>(n, T::MaxHostersPerContract::get())).collect()
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn performance_benchmark_request() -> Result<(), BenchmarkError> {
		let contract = active::<T>(0, T::MaxHostersPerContract::get())?;
		let sponsor: T::AccountId = account("sponsor", 0, 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(sponsor), BenchmarkRequest { contract });
		assert!(OpenBenchmarks::<T>::get(contract).is_some());
		Ok(())
	}

	#[benchmark]
	fn performance_benchmark_response(
		h: Linear<1, { T::MaxHostersPerContract::get() }>,
	) -> Result<(), BenchmarkError> {
		let contract = active::<T>(0, h)?;
		let sponsor: T::AccountId = account("sponsor", 0, 0);
		Pallet::<T>::do_request(sponsor, contract)?;
		let id = OpenBenchmarks::<T>::get(contract).ok_or(BenchmarkError::Stop("no benchmark"))?;
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

	/// A block's benchmarks: the sweep visits `v` contracts of the most hosters, each given a
	/// benchmark with a drawn attestor.
	#[benchmark]
	fn start_benchmarks(
		v: Linear<0, { T::BenchmarksPerBlock::get() }>,
	) -> Result<(), BenchmarkError> {
		let contracts = actives::<T>(v)?;
		let len = MeasuredCount::<T>::get();
		let window = u64::from(T::BenchmarkPeriod::get());
		let owed = (u64::from(v) * window).saturating_sub(u64::from(len));
		Sweep::<T>::put(Rota { owed, ..Default::default() });
		let now = frame_system::Pallet::<T>::block_number().saturating_add(One::one());
		frame_system::Pallet::<T>::set_block_number(now);
		#[block]
		{
			Pallet::<T>::measure_block();
		}
		for contract in contracts {
			assert!(OpenBenchmarks::<T>::get(contract).is_some());
		}
		Ok(())
	}

	/// A block's bucket of `d` deadlines, every benchmark missed.
	#[benchmark]
	fn expire_benchmarks(
		d: Linear<0, { T::MaxBenchmarksPerBlock::get() }>,
	) -> Result<(), BenchmarkError> {
		let contracts = actives::<T>(d)?;
		let now = frame_system::Pallet::<T>::block_number().saturating_add(One::one());
		frame_system::Pallet::<T>::set_block_number(now);
		let expiry: BlockNumberFor<T> =
			now.saturating_add(T::BenchmarkTimeout::get()).saturating_add(One::one());
		let mut bucket = Deadlines::<T>::get(expiry);
		for contract in &contracts {
			Pallet::<T>::start_benchmark(*contract, &mut bucket)?;
		}
		Deadlines::<T>::insert(expiry, bucket);
		frame_system::Pallet::<T>::set_block_number(expiry);
		#[block]
		{
			Pallet::<T>::expire(expiry);
		}
		assert_eq!(Benchmarks::<T>::iter().count(), 0);
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_bench_ext(), crate::mock::Test);
}
