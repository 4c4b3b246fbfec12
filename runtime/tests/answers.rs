//! Answers under a flood, on the real runtime's transaction extensions: an answer goes before
//! any untipped normal transaction in the pool and still fits a block whose normal room is full,
//! and the pool takes answers only to open challenges of their signer.

mod common;

use codec::Encode;
use common::*;
use datdot_runtime::{Proofs, Runtime, RuntimeCall, RuntimeEvent, System, TxExtension, UNIT};
use frame_support::{
	assert_ok,
	dispatch::{DispatchClass, GetDispatchInfo},
};
use pallet_datdot_proofs::{AnswerRefusal, ChallengeRequest, StorageProof};
use sp_runtime::{
	generic::Era,
	traits::DispatchTransaction,
	transaction_validity::{
		InvalidTransaction, TransactionSource, TransactionValidityError, ValidTransaction,
	},
	DispatchError,
};

/// The runtime's transaction extensions as account `n` signs them now.
fn extension(n: u8) -> TxExtension {
	(
		frame_system::AuthorizeCall::<Runtime>::new(),
		frame_system::CheckNonZeroSender::<Runtime>::new(),
		frame_system::CheckSpecVersion::<Runtime>::new(),
		frame_system::CheckTxVersion::<Runtime>::new(),
		frame_system::CheckGenesis::<Runtime>::new(),
		frame_system::CheckEra::<Runtime>::from(Era::Immortal),
		frame_system::CheckNonce::<Runtime>::from(System::account_nonce(who(n))),
		pallet_datdot_proofs::CheckAnswers::<Runtime>::new(),
		frame_system::CheckWeight::<Runtime>::new(),
		pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(0),
		frame_system::WeightReclaim::<Runtime>::new(),
	)
}

/// What the pool says of `call` sent by `n`.
fn pool(n: u8, call: &RuntimeCall) -> Result<ValidTransaction, TransactionValidityError> {
	extension(n)
		.validate_only(
			signed(n),
			call,
			&call.get_dispatch_info(),
			call.encoded_size(),
			TransactionSource::External,
			0,
		)
		.map(|(valid, _, _)| valid)
}

/// `call` sent by `n`, applied in the current block as the block builder applies it.
fn apply(n: u8, call: RuntimeCall) -> Result<Result<(), DispatchError>, TransactionValidityError> {
	let (info, len) = (call.get_dispatch_info(), call.encoded_size());
	extension(n)
		.dispatch_transaction(signed(n), call, &info, len, 0)
		.map(|result| result.map(|_| ()).map_err(|e| e.error))
}

fn transfer() -> RuntimeCall {
	RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
		dest: who(HOSTERS[0]).into(),
		value: UNIT,
	})
}

fn answers(proofs: Vec<StorageProof>) -> RuntimeCall {
	RuntimeCall::Proofs(pallet_datdot_proofs::Call::proof_of_storage_response {
		proofs: proofs.try_into().expect("within MaxAnswersPerCall"),
	})
}

fn refused(refusal: AnswerRefusal) -> Result<ValidTransaction, TransactionValidityError> {
	Err(InvalidTransaction::Custom(refusal as u8).into())
}

#[test]
fn an_answer_goes_first_and_fits_a_block_that_transfers_have_filled() {
	new_ext().execute_with(|| {
		subscribe_plan(3);
		run_to(3);
		let contract = match_and_set_up(0);
		assert_ok!(Proofs::proof_of_storage_request(
			signed(SPONSOR),
			ChallengeRequest { contract }
		));
		let hoster = HOSTERS[0];
		let (id, chunks) = open_challenge(contract, hoster).expect("challenged");
		let answer = answers(vec![answer(id, &chunks)]);
		assert_eq!(answer.get_dispatch_info().class, DispatchClass::Operational);

		// In the pool: an answer goes before any untipped transfer, and only its hoster's is
		// taken.
		let transfer_priority = pool(SPONSOR, &transfer()).expect("a valid transfer").priority;
		let valid = pool(hoster, &answer).expect("a valid answer");
		assert!(
			valid.priority > transfer_priority,
			"answer {} vs transfer {transfer_priority}",
			valid.priority
		);
		assert_eq!(valid.provides.len(), 2, "its nonce and its challenge");
		assert!(valid.provides.contains(&pallet_datdot_proofs::answer_tag(id)));
		let other = HOSTERS.iter().copied().find(|n| *n != hoster).expect("another hoster");
		assert_eq!(pool(other, &answer), refused(AnswerRefusal::NotChallengedHoster));

		// Transfers have filled the block's normal room, by weight and by length: another
		// transfer does not fit, the answer does.
		let weights = <Runtime as frame_system::Config>::BlockWeights::get();
		let normal = weights.get(DispatchClass::Normal).max_total.expect("a normal limit");
		frame_system::BlockWeight::<Runtime>::mutate(|used| {
			used.set(normal, DispatchClass::Normal)
		});
		let lengths = <Runtime as frame_system::Config>::BlockLength::get();
		frame_system::BlockSize::<Runtime>::put(*lengths.max.get(DispatchClass::Normal));
		assert_eq!(apply(SPONSOR, transfer()), Err(InvalidTransaction::ExhaustsResources.into()));
		assert_eq!(apply(hoster, answer.clone()), Ok(Ok(())));
		assert!(events().contains(&RuntimeEvent::Proofs(
			pallet_datdot_proofs::Event::ProofAccepted {
				challenge: id,
				hoster: who(hoster),
				contract
			}
		)));

		// Answered, the challenge is closed: the pool refuses the answer again.
		assert_eq!(pool(hoster, &answer), refused(AnswerRefusal::ChallengeClosed));
	});
}
