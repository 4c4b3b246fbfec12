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

/// The largest profile `who` can send: an 8-character location, a full endpoint, and a fresh
/// signing key from the benchmark keystore with its proof of possession.
fn largest_profile<T: Config>(who: &T::AccountId) -> ProfileInput {
	let key_type = sp_core::crypto::KeyTypeId(*b"dtdt");
	let key = sp_io::crypto::ed25519_generate(key_type, None);
	let message = Pallet::<T>::key_message(who, &key.0);
	let key_proof =
		sp_io::crypto::ed25519_sign(key_type, &key, &message).map(|s| s.0).unwrap_or([0; 64]);
	ProfileInput {
		signing_key: key.0,
		key_proof,
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
		_(RawOrigin::Signed(who.clone()), largest_profile::<T>(&who));
		assert!(Accounts::<T>::contains_key(&who));
	}

	#[benchmark]
	fn account_update() -> Result<(), BenchmarkError> {
		let who = funded::<T>("updater");
		Pallet::<T>::do_create(who.clone(), largest_profile::<T>(&who))?;
		let mut profile = largest_profile::<T>(&who);
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
		Pallet::<T>::do_create(who.clone(), largest_profile::<T>(&who))?;
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert!(!Accounts::<T>::contains_key(&who));
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_bench_ext(), crate::mock::Test);
}
