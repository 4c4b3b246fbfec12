//! Benchmarks of the role calls, run on the real runtime by `datdot-node benchmark pallet`.

use super::*;
use alloc::{vec, vec::Vec};
use datdot_primitives::{attestor::AttestorId, BenchmarkHelper, Role};
use frame_benchmarking::v2::*;
use frame_support::traits::Get;
use frame_system::RawOrigin;
use sp_runtime::RuntimeAppPublic;

/// `r` eight-character regions with no common prefix: eight pools each.
fn regions(r: u32) -> Vec<Vec<u8>> {
	let alphabet = b"0123456789bcdefghjkmnpqrstuvwxyz";
	(0..r as usize).map(|i| vec![alphabet[i % alphabet.len()]; 8]).collect()
}

fn form<T: Config>(r: u32) -> ProviderFormInput<frame_system::pallet_prelude::BlockNumberFor<T>> {
	ProviderFormInput {
		regions: regions(r),
		storage: 1 << 40,
		bandwidth_kbps: 100_000,
		capacity: T::MaxCapacity::get(),
		available_from: 0u32.into(),
		available_until: None,
	}
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn roles_register(r: Linear<1, { T::MaxRegionsPerProvider::get() }>) {
		let who: T::AccountId = account("provider", 0, 0);
		T::BenchmarkHelper::account(&who, b"u33dcu33");
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), Role::Hoster, form::<T>(r));
		assert!(Providers::<T>::contains_key(&who, Role::Hoster));
	}

	#[benchmark]
	fn roles_unregister(
		r: Linear<1, { T::MaxRegionsPerProvider::get() }>,
	) -> Result<(), BenchmarkError> {
		let who: T::AccountId = account("provider", 0, 0);
		T::BenchmarkHelper::account(&who, b"u33dcu33");
		Pallet::<T>::do_register(who.clone(), Role::Hoster, form::<T>(r))?;
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), Role::Hoster);
		assert!(!Providers::<T>::contains_key(&who, Role::Hoster));
		Ok(())
	}

	/// The caller replaces a key it had tied before.
	#[benchmark]
	fn roles_set_attestor_key() -> Result<(), BenchmarkError> {
		let who: T::AccountId = account("attestor", 0, 0);
		T::BenchmarkHelper::account(&who, b"u33dcu33");
		let old = AttestorId::generate_pair(None);
		let proof = old
			.sign(&Pallet::<T>::attestor_key_message(&who, &old))
			.ok_or(BenchmarkError::Stop("no keystore"))?;
		Pallet::<T>::do_set_attestor_key(who.clone(), old.clone(), proof)?;
		let key = AttestorId::generate_pair(None);
		let proof = key
			.sign(&Pallet::<T>::attestor_key_message(&who, &key))
			.ok_or(BenchmarkError::Stop("no keystore"))?;
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), key.clone(), proof);
		assert_eq!(AttestorKeys::<T>::get(&who), Some(key));
		assert!(AttestorKeyOwners::<T>::get(&old).is_none());
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_bench_ext(), crate::mock::Test);
}
