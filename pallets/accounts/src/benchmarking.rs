//! Benchmarks of the account calls, run on the real runtime by `datdot-node benchmark pallet`.

use super::*;
use alloc::vec;
use frame_benchmarking::v2::*;
use frame_support::traits::fungible::Mutate;
use frame_support::traits::Get;
use frame_system::RawOrigin;
use sp_runtime::Saturating;

fn funded<T: Config>(name: &'static str) -> T::AccountId
where
	T::Currency: Mutate<T::AccountId>,
{
	let who: T::AccountId = account(name, 0, 0);
	let amount = T::AccountDeposit::get().saturating_mul(1_000u32.into());
	let _ = <T::Currency as Mutate<T::AccountId>>::set_balance(&who, amount);
	who
}

/// The largest profile the call accepts: an 8-character location and a full endpoint.
fn largest_profile<T: Config>() -> ProfileInput {
	ProfileInput {
		signing_key: [1; 32],
		noise_key: [2; 32],
		location: b"u33dcu33".to_vec(),
		endpoint: Some(vec![b'e'; T::MaxEndpointLen::get() as usize]),
	}
}

#[benchmarks(where T::Currency: Mutate<T::AccountId>)]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn account_create() {
		let who = funded::<T>("creator");
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), largest_profile::<T>());
		assert!(Accounts::<T>::contains_key(&who));
	}

	#[benchmark]
	fn account_update() -> Result<(), BenchmarkError> {
		let who = funded::<T>("updater");
		Pallet::<T>::do_create(who.clone(), largest_profile::<T>())?;
		let mut profile = largest_profile::<T>();
		profile.location = b"gcpvgcpv".to_vec();
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), profile);
		assert_eq!(
			Accounts::<T>::get(&who).map(|a| a.location.as_bytes().to_vec()),
			Some(b"gcpvgcpv".to_vec())
		);
		Ok(())
	}

	#[benchmark]
	fn account_delete() -> Result<(), BenchmarkError> {
		let who = funded::<T>("deleter");
		Pallet::<T>::do_create(who.clone(), largest_profile::<T>())?;
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert!(!Accounts::<T>::contains_key(&who));
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_bench_ext(), crate::mock::Test);
}
