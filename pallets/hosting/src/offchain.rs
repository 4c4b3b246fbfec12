//! Attestors' votes: the pool check of `submit_matching_vote` and the off-chain worker that
//! computes and submits the rule's selection for every round that drew one of the node's keys.

use alloc::vec::Vec;
use codec::Encode;
use datdot_primitives::{
	attestor::{AttestorId, AttestorKeys, AttestorSignature, VOTE_TAG},
	signing::signing_payload,
	ContractId,
};
use frame_support::pallet_prelude::*;
use frame_system::{offchain::SubmitTransaction, pallet_prelude::BlockNumberFor};
use sp_core::H256;
use sp_runtime::{
	offchain::storage::{MutateStorageError, StorageRetrievalError, StorageValueRef},
	traits::{SaturatedConversion, Saturating, Zero},
	RuntimeAppPublic,
};

use crate::{Call, Config, MatchingVote, Pallet, Rounds, SelectionInput, WeightInfo};

/// Blocks a node waits for its vote to land before it sends the vote again (the pool may have
/// dropped it, or the chain's state moved on and the rule now gives another selection).
pub const VOTE_RESEND_AFTER: u32 = 5;

/// Why a vote does not get into the pool, as `InvalidTransaction::Custom` codes.
pub mod invalid_vote {
	/// The rule gives no selection now (`NoRuleCandidate`).
	pub const NO_RULE_SELECTION: u8 = 1;
	/// The vote's selection is not the rule's.
	pub const NOT_RULE_SELECTION: u8 = 2;
	/// The attestor has no attestor key tied to it.
	pub const NO_ATTESTOR_KEY: u8 = 3;
}

/// The prefix of the offchain-storage records that say when this node last sent a vote.
const SENT_PREFIX: &[u8] = b"datdot/hosting/vote-sent/";

impl<T: Config> Pallet<T> {
	/// The bytes an attestor key signs to vote `vote` on this chain.
	pub fn vote_message(vote: &MatchingVote<T::AccountId>) -> Vec<u8> {
		let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		signing_payload(VOTE_TAG, genesis.as_ref(), vote)
	}

	/// The pool check of `submit_matching_vote`: a vote of a drawn attestor of the contract's
	/// live round (same seed) that has not voted yet, signed by the attestor's key, naming the
	/// rule's selection. Refused otherwise, so nothing else costs a block any space.
	pub fn authorize_vote(
		_source: TransactionSource,
		vote: &MatchingVote<T::AccountId>,
		signature: &AttestorSignature,
	) -> TransactionValidityWithRefund {
		let round = Rounds::<T>::get(vote.contract).ok_or(InvalidTransaction::Stale)?;
		ensure!(round.seed == vote.seed, InvalidTransaction::Stale);
		ensure!(round.attestors.contains(&vote.attestor), InvalidTransaction::BadSigner);
		ensure!(
			round.votes.iter().all(|(voter, _)| *voter != vote.attestor),
			InvalidTransaction::Stale
		);
		let key = T::AttestorKeys::key_of(&vote.attestor)
			.ok_or(InvalidTransaction::Custom(invalid_vote::NO_ATTESTOR_KEY))?;
		ensure!(key.verify(&Self::vote_message(vote), signature), InvalidTransaction::BadProof);
		let rule = Self::rule_selection(vote.contract)
			.map_err(|_| InvalidTransaction::Custom(invalid_vote::NO_RULE_SELECTION))?;
		ensure!(
			rule.hosters[..] == vote.selection.hosters[..]
				&& rule.encoders[..] == vote.selection.encoders[..],
			InvalidTransaction::Custom(invalid_vote::NOT_RULE_SELECTION)
		);

		let most = T::MaxHostersPerContract::get();
		let positions = (rule.hosters.len() as u32).min(most);
		let unspent = T::WeightInfo::authorize_matching_vote(most)
			.saturating_sub(T::WeightInfo::authorize_matching_vote(positions));
		let longevity: u64 = T::MatchingTimeout::get().saturated_into::<u64>().max(1);
		let validity = ValidTransaction::with_tag_prefix("DatDotMatchingVote")
			.priority(T::VotePriority::get())
			.and_provides((vote.contract, vote.seed, &vote.attestor))
			.longevity(longevity)
			.propagate(true)
			.build()?;
		Ok((validity, unspent))
	}

	/// For every round in progress that drew an attestor whose key is in this node's keystore
	/// and has not voted: the rule's selection, signed and sent, at most once per
	/// `VOTE_RESEND_AFTER` blocks per round and attestor.
	pub(crate) fn vote_from_keystore(now: BlockNumberFor<T>) {
		let mine: Vec<(AttestorId, T::AccountId)> = AttestorId::all()
			.into_iter()
			.filter_map(|key| {
				let owner = T::AttestorKeys::owner_of(&key)?;
				(T::AttestorKeys::key_of(&owner).as_ref() == Some(&key)).then_some((key, owner))
			})
			.collect();
		if mine.is_empty() {
			return;
		}
		for (contract, round) in Rounds::<T>::iter() {
			for (key, attestor) in &mine {
				let voted = round.votes.iter().any(|(voter, _)| voter == attestor);
				if voted || !round.attestors.contains(attestor) {
					continue;
				}
				if !Self::claim_send(contract, &round.seed, attestor, now) {
					continue;
				}
				if let Err(why) = Self::send_vote(contract, round.seed, attestor, key) {
					log::warn!(
						target: "runtime::datdot-hosting",
						"no vote on contract {contract} for {attestor:?}: {why}"
					);
				}
			}
		}
	}

	/// Takes this node's right to send the vote of `attestor` on round `seed` of `contract`
	/// now: granted when no vote was sent, or the last one was sent `VOTE_RESEND_AFTER` or more
	/// blocks ago. The record is replaced atomically, so workers of consecutive blocks running
	/// at once never both send.
	fn claim_send(
		contract: ContractId,
		seed: &H256,
		attestor: &T::AccountId,
		now: BlockNumberFor<T>,
	) -> bool {
		let key = (SENT_PREFIX, contract, seed, attestor).encode();
		let record = StorageValueRef::persistent(&key);
		let claimed =
			record.mutate(|last: Result<Option<BlockNumberFor<T>>, StorageRetrievalError>| {
				match last {
					Ok(Some(sent)) if now < sent.saturating_add(VOTE_RESEND_AFTER.into()) => {
						Err(())
					}
					_ => Ok(now),
				}
			});
		match claimed {
			Ok(_) => true,
			Err(MutateStorageError::ValueFunctionFailed(()))
			| Err(MutateStorageError::ConcurrentModification(_)) => false,
		}
	}

	/// Computes, signs and submits the vote of `attestor` (key `key`) on `contract`'s round.
	fn send_vote(
		contract: ContractId,
		seed: H256,
		attestor: &T::AccountId,
		key: &AttestorId,
	) -> Result<(), &'static str> {
		let rule = Self::rule_selection(contract).map_err(|e| -> &'static str { e.into() })?;
		let vote = MatchingVote {
			contract,
			seed,
			attestor: attestor.clone(),
			selection: SelectionInput {
				hosters: rule.hosters.into_inner(),
				encoders: rule.encoders.into_inner(),
			},
		};
		let signature =
			key.sign(&Self::vote_message(&vote)).ok_or("the keystore cannot sign with the key")?;
		let xt = T::create_authorized_transaction(
			Call::<T>::submit_matching_vote { vote, signature }.into(),
		);
		SubmitTransaction::<T, Call<T>>::submit_transaction(xt)
			.map_err(|()| "the pool refused the vote")
	}
}
