//! The matching rule (`docs/MATCHING.md`): the one selection a round's seed and the chain's
//! state call for. Attestors compute it off chain; the chain computes it too, with the same
//! bounded work, to check what they submit.

use alloc::vec::Vec;
use codec::Encode;
use datdot_primitives::{
	blake2_256, ContractId, PlanTerms, ProviderRegistry, Ratings, Region, Role,
};
use frame_support::{pallet_prelude::*, BoundedVec};
use sp_core::H256;

use crate::{Config, ContractOf, Contracts, Error, Pallet, RoundOf, Rounds, SelectionOf};

impl<T: Config> Pallet<T> {
	/// The pool index probe `probe` of position `position` visits, for `role`, in a pool of
	/// `size`: BLAKE2-256(`"datdot/match"`, seed, role, position, probe) read as a little-endian
	/// `u64`, modulo `size`.
	pub fn rule_probe(seed: &H256, role: Role, position: u32, probe: u32, size: u32) -> u32 {
		let hash = blake2_256(&(b"datdot/match", seed, role, position, probe).encode());
		let mut word = [0u8; 8];
		word.copy_from_slice(&hash[..8]);
		(u64::from_le_bytes(word) % u64::from(size.max(1))) as u32
	}

	/// The selection the rule gives for contract `id`'s open round, now.
	pub fn rule_selection(id: ContractId) -> Result<SelectionOf<T>, Error<T>> {
		let contract = Contracts::<T>::get(id).ok_or(Error::<T>::UnknownContract)?;
		let round = Rounds::<T>::get(id).ok_or(Error::<T>::NoMatchingRound)?;
		let terms = Self::terms_of(&contract)?;
		Self::select_by_rule(&contract, &round, &terms)
	}

	/// Every position's hoster, then every position's encoder: for each, the first candidate
	/// the seed's probes visit in the position's pool who is eligible and not yet taken by this
	/// contract, its round or its sponsor. At most `MaxDrawAttempts` probes per provider.
	pub(crate) fn select_by_rule(
		contract: &ContractOf<T>,
		round: &RoundOf<T>,
		terms: &PlanTerms<T::AccountId>,
	) -> Result<SelectionOf<T>, Error<T>> {
		let mut taken = Self::involved(contract, &terms.sponsor);
		taken.extend(round.attestors.iter().cloned());
		let mut pick = |role: Role| -> Result<Vec<T::AccountId>, Error<T>> {
			let mut chosen = Vec::with_capacity(contract.positions.len());
			for (i, position) in contract.positions.iter().enumerate() {
				let who =
					Self::first_eligible(role, i as u32, &position.region, round, terms, &taken)
						.ok_or(Error::<T>::NoRuleCandidate)?;
				taken.push(who.clone());
				chosen.push(who);
			}
			Ok(chosen)
		};
		let hosters = pick(Role::Hoster)?;
		let encoders = pick(Role::Encoder)?;
		Ok(SelectionOf::<T> {
			hosters: BoundedVec::truncate_from(hosters),
			encoders: BoundedVec::truncate_from(encoders),
		})
	}

	/// The first candidate of `role` the probes of position `position` visit who serves
	/// `region` now, has room, qualifies there (hosters) and is not in `taken`.
	fn first_eligible(
		role: Role,
		position: u32,
		region: &Region,
		round: &RoundOf<T>,
		terms: &PlanTerms<T::AccountId>,
		taken: &[T::AccountId],
	) -> Option<T::AccountId> {
		let size = T::Providers::pool_size(role, region);
		if size == 0 {
			return None;
		}
		(0..T::MaxDrawAttempts::get()).find_map(|probe| {
			let index = Self::rule_probe(&round.seed, role, position, probe, size);
			let candidate = T::Providers::pool_member(role, region, index)?;
			let eligible = !taken.contains(&candidate)
				&& T::Providers::serves(&candidate, role, region)
				&& T::Providers::has_free_capacity(&candidate, role)
				&& (role != Role::Hoster
					|| T::Ratings::qualifies(&candidate, region, &terms.min_performance));
			eligible.then_some(candidate)
		})
	}
}
