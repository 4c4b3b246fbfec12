//! `CheckAnswers`: the transaction pool's check of storage-proof answers.
//!
//! Answers are the network's upkeep: a hoster that cannot get its answer into a block before the
//! deadline is counted as failing, whatever it stores. So `proof_of_storage_response` is of the
//! operational class (its own room in every block, and a priority above any normal
//! transaction's), and this extension keeps that room for real answers: the pool takes an answer
//! only while every challenge it answers is open, is the signer's, and has not passed its
//! deadline. Each answered challenge is a tag the transaction provides, so the pool holds one
//! answer per challenge, and the answer leaves the pool when its challenge closes.
//!
//! In a block the extension does nothing: the call checks every answer again (and charges its
//! fee whatever the outcome). Its weight is therefore zero; its reads happen only while the
//! pool validates, like the nonce and balance reads of the pool's other checks.

use crate::{Call, Challenges, Config, Pallet};
use codec::{Decode, DecodeWithMemTracking, Encode};
use core::marker::PhantomData;
use frame_support::{pallet_prelude::TransactionSource, traits::IsSubType};
use scale_info::TypeInfo;
use sp_runtime::{
	traits::{
		AsSystemOriginSigner, DispatchInfoOf, DispatchOriginOf, Dispatchable, Implication,
		SaturatedConversion, TransactionExtension, ValidateResult,
	},
	transaction_validity::{InvalidTransaction, TransactionValidityError, ValidTransaction},
	Saturating, Weight,
};

/// The prefix of the tag an answer provides for each challenge it answers.
pub const ANSWER_TAG: &[u8] = b"datdot/answer";

/// Why the pool refuses an answer, as `InvalidTransaction::Custom` codes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum AnswerRefusal {
	/// The transaction answers no challenge.
	NoAnswers = 1,
	/// A challenge it answers is another hoster's.
	NotChallengedHoster = 2,
	/// It answers one challenge twice.
	DuplicateAnswer = 3,
	/// It is not signed: only the challenged hoster answers.
	Unsigned = 4,
	/// A challenge it answers is closed (answered, expired, never issued) or past its
	/// deadline.
	ChallengeClosed = 5,
}

impl From<AnswerRefusal> for TransactionValidityError {
	fn from(refusal: AnswerRefusal) -> Self {
		InvalidTransaction::Custom(refusal as u8).into()
	}
}

/// The tag of an answer to `challenge`.
pub fn answer_tag(challenge: datdot_primitives::ChallengeId) -> alloc::vec::Vec<u8> {
	(ANSWER_TAG, challenge).encode()
}

/// The transaction extension that keeps answers to no open challenge out of the pool (see the
/// module's documentation). It carries no data.
#[derive(Encode, Decode, DecodeWithMemTracking, Clone, Eq, PartialEq, TypeInfo)]
#[scale_info(skip_type_params(T))]
pub struct CheckAnswers<T>(PhantomData<T>);

impl<T> CheckAnswers<T> {
	/// The extension (it has no parameters).
	pub fn new() -> Self {
		Self(PhantomData)
	}
}

impl<T> Default for CheckAnswers<T> {
	fn default() -> Self {
		Self::new()
	}
}

impl<T> core::fmt::Debug for CheckAnswers<T> {
	fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
		write!(f, "CheckAnswers")
	}
}

impl<T: Config> Pallet<T> {
	/// The pool's view of an answer by `who` to `challenges`: refused when a challenge is closed
	/// or past its deadline, is another hoster's or is answered twice; otherwise valid until the
	/// earliest deadline, providing one tag per challenge.
	pub fn validate_answers(
		who: &T::AccountId,
		challenges: impl Iterator<Item = datdot_primitives::ChallengeId>,
	) -> Result<ValidTransaction, TransactionValidityError> {
		let now = frame_system::Pallet::<T>::block_number();
		let mut provides = alloc::vec::Vec::new();
		let mut earliest = None;
		for id in challenges {
			let tag = answer_tag(id);
			if provides.contains(&tag) {
				return Err(AnswerRefusal::DuplicateAnswer.into());
			}
			let challenge = Challenges::<T>::get(id).ok_or(AnswerRefusal::ChallengeClosed)?;
			if challenge.hoster != *who {
				return Err(AnswerRefusal::NotChallengedHoster.into());
			}
			if now > challenge.deadline {
				return Err(AnswerRefusal::ChallengeClosed.into());
			}
			earliest = Some(
				earliest.map_or(challenge.deadline, |e| core::cmp::min(e, challenge.deadline)),
			);
			provides.push(tag);
		}
		let deadline = earliest.ok_or(AnswerRefusal::NoAnswers)?;
		// Valid through the deadline's block: `now` is the block the answer would go in.
		let longevity = deadline.saturating_sub(now).saturated_into::<u64>().saturating_add(1);
		Ok(ValidTransaction { provides, longevity, ..Default::default() })
	}
}

impl<T: Config + Send + Sync> TransactionExtension<T::RuntimeCall> for CheckAnswers<T>
where
	T::RuntimeCall: Dispatchable + IsSubType<Call<T>>,
	DispatchOriginOf<T::RuntimeCall>: AsSystemOriginSigner<T::AccountId> + Clone,
{
	const IDENTIFIER: &'static str = "CheckAnswers";
	type Implicit = ();
	type Val = ();
	type Pre = ();

	fn weight(&self, _: &T::RuntimeCall) -> Weight {
		// Nothing runs in a block (see `validate`).
		Weight::zero()
	}

	fn validate(
		&self,
		origin: DispatchOriginOf<T::RuntimeCall>,
		call: &T::RuntimeCall,
		_info: &DispatchInfoOf<T::RuntimeCall>,
		_len: usize,
		_self_implicit: Self::Implicit,
		_inherited_implication: &impl Implication,
		source: TransactionSource,
	) -> ValidateResult<Self::Val, T::RuntimeCall> {
		// In a block the call checks its answers itself.
		if source == TransactionSource::InBlock {
			return Ok((ValidTransaction::default(), (), origin));
		}
		let Some(Call::proof_of_storage_response { proofs }) = call.is_sub_type() else {
			return Ok((ValidTransaction::default(), (), origin));
		};
		let who = origin.as_system_origin_signer().ok_or(AnswerRefusal::Unsigned)?;
		let valid = Pallet::<T>::validate_answers(who, proofs.iter().map(|p| p.challenge))?;
		Ok((valid, (), origin))
	}

	sp_runtime::impl_tx_ext_default!(T::RuntimeCall; prepare);
}
