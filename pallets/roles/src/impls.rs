//! Registration, pools, capacity and ratings.

use alloc::{collections::BTreeSet, vec::Vec};
use datdot_primitives::{
	attestor::{self, AttestorId, AttestorKeys as AttestorKeyDirectory, AttestorSignature},
	median, AccountDirectory, AccountUsage, ContractManager, Performance, ProviderRegistry, Rating,
	Ratings, Region, Role,
};
use frame_support::{
	pallet_prelude::*,
	traits::{fungible::MutateHold, tokens::Precision},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{traits::Zero, RuntimeAppPublic, Saturating};

use crate::{
	AttestorKeyOwners, AttestorKeys, BalanceOf, Config, Error, Event, HoldReason, Pallet,
	PoolIndex, PoolKey, PoolMembers, PoolSize, ProviderFormInput, ProviderOf, Providers,
	Ratings as RatingsStorage, Sample, Samples,
};

impl<T: Config> Pallet<T> {
	/// Every pool a provider serving `regions` belongs to: each prefix of each region, once.
	pub fn pools_of(role: Role, regions: &[Region]) -> BTreeSet<PoolKey> {
		regions.iter().flat_map(|region| region.prefixes()).map(|prefix| (role, prefix)).collect()
	}

	fn checked_regions(
		who: &T::AccountId,
		input: Vec<Vec<u8>>,
	) -> Result<BoundedVec<Region, T::MaxRegionsPerProvider>, DispatchError> {
		ensure!(
			input.len() <= T::MaxRegionsPerProvider::get() as usize,
			Error::<T>::TooManyRegions
		);
		let mut regions = Vec::with_capacity(input.len().max(1));
		for bytes in input {
			let region = Region::new(&bytes).map_err(|_| Error::<T>::InvalidRegion)?;
			if !regions.contains(&region) {
				regions.push(region);
			}
		}
		if regions.is_empty() {
			regions.push(T::Accounts::location(who).ok_or(Error::<T>::NoAccount)?);
		}
		Ok(BoundedVec::truncate_from(regions))
	}

	pub fn do_register(
		who: T::AccountId,
		role: Role,
		form: ProviderFormInput<BlockNumberFor<T>>,
	) -> DispatchResult {
		ensure!(T::Accounts::has_account(&who), Error::<T>::NoAccount);
		ensure!(!Providers::<T>::contains_key(&who, role), Error::<T>::AlreadyRegistered);
		let regions = Self::checked_regions(&who, form.regions)?;
		ensure!(form.capacity > 0, Error::<T>::ZeroCapacity);
		ensure!(form.capacity <= T::MaxCapacity::get(), Error::<T>::CapacityTooHigh);
		ensure!(role != Role::Hoster || form.storage > 0, Error::<T>::NoStorageOffered);
		if let Some(until) = form.available_until {
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(until > form.available_from && until > now, Error::<T>::InvalidAvailability);
		}
		let pools = Self::pools_of(role, &regions);
		let mut crowd = 0u32;
		for pool in &pools {
			let size = PoolSize::<T>::get(pool);
			ensure!(size < T::MaxPoolSize::get(), Error::<T>::PoolFull);
			crowd = crowd.max(size);
		}

		let deposit = Self::role_deposit(crowd);
		T::Currency::hold(&HoldReason::RoleDeposit.into(), &who, deposit)
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		for pool in pools {
			Self::join_pool(pool, &who);
		}
		let capacity = form.capacity;
		Providers::<T>::insert(
			&who,
			role,
			ProviderOf::<T> {
				regions: regions.clone(),
				storage: form.storage,
				bandwidth_kbps: form.bandwidth_kbps,
				capacity,
				booked: 0,
				available_from: form.available_from,
				available_until: form.available_until,
				deposit,
			},
		);
		Self::deposit_event(Event::RoleRegistered { who, role, regions, capacity, deposit });
		Ok(())
	}

	pub(crate) fn do_unregister(who: T::AccountId, role: Role) -> DispatchResult {
		let provider = Providers::<T>::get(&who, role).ok_or(Error::<T>::NotRegistered)?;
		let handed_over = provider.booked;
		if handed_over > 0 {
			T::Hosting::hand_over(&who, role)?;
			let left = Providers::<T>::get(&who, role).map_or(0, |p| p.booked);
			ensure!(left == 0, Error::<T>::JobsNotHandedOver);
		}
		for pool in Self::pools_of(role, &provider.regions) {
			Self::leave_pool(pool, &who);
		}
		Providers::<T>::remove(&who, role);
		T::Currency::release(
			&HoldReason::RoleDeposit.into(),
			&who,
			provider.deposit,
			Precision::BestEffort,
		)?;
		Self::deposit_event(Event::RoleUnregistered { who, role, handed_over });
		Ok(())
	}

	/// The deposit of a registration whose most crowded pool already holds `crowd` members.
	pub fn role_deposit(crowd: u32) -> BalanceOf<T> {
		T::PoolDepositPerMember::get()
			.saturating_mul(crowd.into())
			.saturating_add(T::RoleDeposit::get())
	}

	fn join_pool(pool: PoolKey, who: &T::AccountId) {
		let index = PoolSize::<T>::get(&pool);
		PoolMembers::<T>::insert(&pool, index, who);
		PoolIndex::<T>::insert(&pool, who, index);
		PoolSize::<T>::insert(&pool, index.saturating_add(1));
	}

	/// Removes `who` by moving the last member into its place.
	fn leave_pool(pool: PoolKey, who: &T::AccountId) {
		let Some(index) = PoolIndex::<T>::take(&pool, who) else { return };
		let last = PoolSize::<T>::get(&pool).saturating_sub(1);
		if index != last {
			if let Some(moved) = PoolMembers::<T>::get(&pool, last) {
				PoolMembers::<T>::insert(&pool, index, &moved);
				PoolIndex::<T>::insert(&pool, &moved, index);
			}
		}
		PoolMembers::<T>::remove(&pool, last);
		if last == 0 {
			PoolSize::<T>::remove(&pool);
		} else {
			PoolSize::<T>::insert(&pool, last);
		}
	}

	/// The key a rating observed from (or asked for) `region` is stored under.
	fn rating_key(region: &Region) -> Region {
		region.truncate(T::RatingPrecision::get() as usize)
	}

	/// Applies `update` to the ratings of `who` under every prefix of the observer's region.
	fn update_ratings(who: &T::AccountId, observer: &Region, update: impl Fn(&mut Rating)) {
		for key in Self::rating_key(observer).prefixes() {
			RatingsStorage::<T>::mutate(who, key, |rating| update(rating));
		}
	}

	/// Keeps `sample` among the recent samples of `who` under `key`: it replaces the same
	/// attestor's earlier sample, or the oldest one when the window is full. Then the quality
	/// figures become the medians of the window.
	fn record_sample(who: &T::AccountId, key: Region, sample: Sample<T::AccountId>) {
		let samples = Samples::<T>::mutate(who, &key, |samples| {
			let mut kept: Vec<Sample<T::AccountId>> =
				samples.iter().filter(|s| s.attestor != sample.attestor).cloned().collect();
			kept.push(sample);
			let oldest_kept = kept.len().saturating_sub(T::MaxSamples::get() as usize);
			*samples = BoundedVec::truncate_from(kept.split_off(oldest_kept));
			samples.clone()
		});
		RatingsStorage::<T>::mutate(who, key, |rating| {
			rating.measured_by = samples.len() as u32;
			rating.latency_ms = median(samples.iter().map(|s| s.latency_ms).collect());
			rating.bandwidth_kbps = median(samples.iter().map(|s| s.bandwidth_kbps).collect());
		});
	}

	/// Every invariant below.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		Self::check_capacity()?;
		Self::check_deposits_held()?;
		Self::check_pools_dense()?;
		Self::check_providers_pooled()?;
		Self::check_sample_windows()?;
		Self::check_attestor_keys()
	}

	/// Each account's attestor key is tied back to that account, and only to it.
	fn check_attestor_keys() -> Result<(), sp_runtime::TryRuntimeError> {
		let mut tied = 0usize;
		for (who, key) in AttestorKeys::<T>::iter() {
			ensure!(
				AttestorKeyOwners::<T>::get(&key).as_ref() == Some(&who),
				"an attestor key is not tied back to its account"
			);
			tied += 1;
		}
		ensure!(
			AttestorKeyOwners::<T>::iter().count() == tied,
			"an attestor key is tied to an account that holds another"
		);
		Ok(())
	}

	/// No provider is booked beyond its capacity.
	fn check_capacity() -> Result<(), sp_runtime::TryRuntimeError> {
		for (_, _, provider) in Providers::<T>::iter() {
			ensure!(provider.booked <= provider.capacity, "a provider is booked beyond capacity");
		}
		Ok(())
	}

	/// Each provider has the deposits of all its roles on hold.
	fn check_deposits_held() -> Result<(), sp_runtime::TryRuntimeError> {
		use frame_support::traits::fungible::InspectHold;
		let mut owed = alloc::collections::BTreeMap::<T::AccountId, crate::BalanceOf<T>>::new();
		for (who, _, provider) in Providers::<T>::iter() {
			let total = owed.entry(who).or_default();
			*total = total.saturating_add(provider.deposit);
		}
		for (who, total) in owed {
			let held = T::Currency::balance_on_hold(&HoldReason::RoleDeposit.into(), &who);
			ensure!(held >= total, "a role deposit is not on hold");
		}
		Ok(())
	}

	/// Every pool is within its bound, dense, indexed both ways, and holds only providers.
	fn check_pools_dense() -> Result<(), sp_runtime::TryRuntimeError> {
		for (pool, size) in PoolSize::<T>::iter() {
			ensure!(size <= T::MaxPoolSize::get(), "a pool is over its bound");
			for index in 0..size {
				let member = PoolMembers::<T>::get(&pool, index).ok_or("a pool has a hole")?;
				ensure!(PoolIndex::<T>::get(&pool, &member) == Some(index), "pool index disagrees");
				ensure!(
					Providers::<T>::contains_key(&member, pool.0),
					"a pool holds a non-provider"
				);
			}
		}
		Ok(())
	}

	/// Every provider sits in every pool of its regions.
	fn check_providers_pooled() -> Result<(), sp_runtime::TryRuntimeError> {
		for (who, role, provider) in Providers::<T>::iter() {
			for pool in Self::pools_of(role, &provider.regions) {
				ensure!(
					PoolIndex::<T>::contains_key(&pool, &who),
					"a provider is missing from a pool"
				);
			}
		}
		Ok(())
	}

	/// A window of samples holds one per attestor, and the rating counts exactly them.
	fn check_sample_windows() -> Result<(), sp_runtime::TryRuntimeError> {
		for (who, key, samples) in Samples::<T>::iter() {
			for (n, sample) in samples.iter().enumerate() {
				ensure!(
					samples[..n].iter().all(|s| s.attestor != sample.attestor),
					"an attestor holds two samples"
				);
			}
			ensure!(
				RatingsStorage::<T>::get(&who, &key).measured_by == samples.len() as u32,
				"a rating does not count its samples"
			);
		}
		Ok(())
	}
}

impl<T: Config> ProviderRegistry<T::AccountId> for Pallet<T> {
	fn is_provider(who: &T::AccountId, role: Role) -> bool {
		Providers::<T>::contains_key(who, role)
	}

	fn serves(who: &T::AccountId, role: Role, region: &Region) -> bool {
		let Some(provider) = Providers::<T>::get(who, role) else { return false };
		let now = frame_system::Pallet::<T>::block_number();
		let available = provider.available_from <= now
			&& provider.available_until.map_or(true, |until| now < until);
		available && provider.regions.iter().any(|served| region.contains(served))
	}

	fn has_free_capacity(who: &T::AccountId, role: Role) -> bool {
		Providers::<T>::get(who, role).is_some_and(|p| p.booked < p.capacity)
	}

	fn book(who: &T::AccountId, role: Role) -> DispatchResult {
		Providers::<T>::try_mutate(who, role, |provider| {
			let provider = provider.as_mut().ok_or(Error::<T>::NotRegistered)?;
			ensure!(provider.booked < provider.capacity, Error::<T>::NoFreeCapacity);
			provider.booked.saturating_inc();
			Ok(())
		})
	}

	fn release(who: &T::AccountId, role: Role) {
		Providers::<T>::mutate(who, role, |provider| {
			if let Some(provider) = provider {
				provider.booked.saturating_dec();
			}
		});
	}

	fn pool_size(role: Role, region: &Region) -> u32 {
		PoolSize::<T>::get((role, region.clone()))
	}

	fn pool_member(role: Role, region: &Region, index: u32) -> Option<T::AccountId> {
		PoolMembers::<T>::get((role, region.clone()), index)
	}
}

impl<T: Config> Ratings<T::AccountId> for Pallet<T> {
	fn rating(who: &T::AccountId, region: &Region) -> Rating {
		RatingsStorage::<T>::get(who, Self::rating_key(region))
	}

	fn qualifies(who: &T::AccountId, region: &Region, minimum: &Performance) -> bool {
		let rating = Self::rating(who, region);
		let reliable = rating.challenges_issued < T::ReliabilityGrace::get()
			|| rating.reliability() >= T::MinReliability::get();
		reliable && rating.meets(minimum, T::MeasurementQuorum::get())
	}

	fn record_challenge(who: &T::AccountId, region: &Region, passed: bool) {
		Self::update_ratings(who, region, |rating| rating.record_challenge(passed));
	}

	fn record_measurement(
		who: &T::AccountId,
		region: &Region,
		attestor: &T::AccountId,
		latency_ms: u32,
		bandwidth_kbps: u32,
	) {
		for key in Self::rating_key(region).prefixes() {
			let sample = Sample { attestor: attestor.clone(), latency_ms, bandwidth_kbps };
			Self::record_sample(who, key, sample);
		}
	}
}

impl<T: Config> Pallet<T> {
	/// What `key` signs to be tied to `who` on this chain.
	pub fn attestor_key_message(who: &T::AccountId, key: &AttestorId) -> Vec<u8> {
		let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		attestor::key_message(genesis.as_ref(), who, key)
	}

	pub(crate) fn do_set_attestor_key(
		who: T::AccountId,
		key: AttestorId,
		proof: AttestorSignature,
	) -> DispatchResult {
		ensure!(T::Accounts::has_account(&who), Error::<T>::NoAccount);
		ensure!(
			AttestorKeyOwners::<T>::get(&key).is_none_or(|owner| owner == who),
			Error::<T>::AttestorKeyInUse
		);
		ensure!(
			key.verify(&Self::attestor_key_message(&who, &key), &proof),
			Error::<T>::BadAttestorKeyProof
		);
		if let Some(previous) = AttestorKeys::<T>::get(&who) {
			AttestorKeyOwners::<T>::remove(previous);
		}
		AttestorKeys::<T>::insert(&who, &key);
		AttestorKeyOwners::<T>::insert(&key, &who);
		Self::deposit_event(Event::AttestorKeySet { who, key });
		Ok(())
	}
}

impl<T: Config> AttestorKeyDirectory<T::AccountId> for Pallet<T> {
	fn key_of(who: &T::AccountId) -> Option<AttestorId> {
		AttestorKeys::<T>::get(who)
	}
	fn owner_of(key: &AttestorId) -> Option<T::AccountId> {
		AttestorKeyOwners::<T>::get(key)
	}
}

impl<T: Config> AccountUsage<T::AccountId> for Pallet<T> {
	fn in_use(who: &T::AccountId) -> bool {
		Providers::<T>::iter_prefix(who).next().is_some()
	}
}
