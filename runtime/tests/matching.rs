//! Attestors' votes on the real runtime: an attestor's node signs the rule's selection with
//! its attestor key and submits it as a general transaction without a signer; `AuthorizeCall`
//! lets the hosting pallet's check admit it, no fee is charged, and two votes from the drawn
//! attestors start hosting. Anything else without a signer is refused.

mod common;

use codec::Decode;
use common::*;
use datdot_primitives::attestor::AttestorId;
use datdot_runtime::{
	Balances, Executive, Hosting, Roles, RuntimeCall, RuntimeEvent, UncheckedExtrinsic,
};
use frame_support::{assert_ok, traits::Hooks};
use frame_system::offchain::CreateAuthorizedTransaction;
use pallet_datdot_hosting::invalid_vote;
use sp_core::offchain::{
	testing::{TestOffchainExt, TestTransactionPoolExt},
	OffchainDbExt, OffchainWorkerExt, TransactionPoolExt,
};
use sp_core::Pair as _;
use sp_keystore::{testing::MemoryKeystore, KeystoreExt};
use sp_runtime::{
	generic::Preamble,
	transaction_validity::{InvalidTransaction, TransactionValidityError},
	RuntimeAppPublic,
};
use std::sync::Arc;

type Runtime = datdot_runtime::Runtime;

fn subscribe() -> u64 {
	subscribe_plan(2);
	pallet_datdot_hosting::PlanContracts::<Runtime>::get(0)[0]
}

/// Ties a fresh key, held in the node's keystore, to `attestor`.
fn tie_key(attestor: &AccountId) -> AttestorId {
	let key = AttestorId::generate_pair(None);
	let proof = key.sign(&Roles::attestor_key_message(attestor, &key)).unwrap();
	assert_ok!(Roles::roles_set_attestor_key(
		datdot_runtime::RuntimeOrigin::signed(attestor.clone()),
		key.clone(),
		proof
	));
	key
}

#[test]
fn the_nodes_votes_enter_blocks_without_fees_and_start_hosting() {
	let mut ext = new_ext();
	let (offchain, _) = TestOffchainExt::new();
	let (pool, pool_state) = TestTransactionPoolExt::new();
	ext.register_extension(OffchainDbExt::new(offchain.clone()));
	ext.register_extension(OffchainWorkerExt::new(offchain));
	ext.register_extension(TransactionPoolExt::new(pool));
	ext.register_extension(KeystoreExt(Arc::new(MemoryKeystore::new())));
	ext.execute_with(|| {
		let contract = subscribe();
		run_to(2);
		let round = pallet_datdot_hosting::Rounds::<Runtime>::get(contract).expect("drawn");
		for attestor in &round.attestors {
			tie_key(attestor);
		}
		let rule = Hosting::rule_selection(contract).expect("a selection");
		let balances: Vec<_> = round.attestors.iter().map(Balances::free_balance).collect();

		Hosting::offchain_worker(2);
		let sent = pool_state.read().transactions.clone();
		assert_eq!(sent.len(), 3, "one vote per drawn attestor whose key the node holds");
		let mut applied = Vec::new();
		for bytes in sent {
			let xt = UncheckedExtrinsic::decode(&mut &bytes[..]).expect("an extrinsic");
			assert!(matches!(xt.preamble, Preamble::General(..)), "no signer");
			applied.push(Executive::apply_extrinsic(xt));
		}
		assert_ok!(applied[0].clone().expect("valid"));
		assert_ok!(applied[1].clone().expect("valid"));
		// The quorum was reached: the third vote's round is over.
		assert_eq!(applied[2], Err(TransactionValidityError::Invalid(InvalidTransaction::Stale)));
		let started = events().into_iter().find_map(|e| match e {
			RuntimeEvent::Hosting(pallet_datdot_hosting::Event::StartHosting {
				contract: c,
				hosters,
				encoders,
				..
			}) if c == contract => Some((hosters, encoders)),
			_ => None,
		});
		assert_eq!(started, Some((rule.hosters, rule.encoders)));
		let after: Vec<_> = round.attestors.iter().map(Balances::free_balance).collect();
		assert_eq!(after, balances, "votes cost the attestors nothing");
		all_invariants();
	});
}

#[test]
fn a_general_transaction_nothing_authorizes_is_refused() {
	let mut ext = new_ext();
	ext.register_extension(KeystoreExt(Arc::new(MemoryKeystore::new())));
	ext.execute_with(|| {
		// A transfer without a signer: no extension authorizes it.
		let call = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
			dest: who(SPONSOR).into(),
			value: 1,
		});
		let xt =
			<Runtime as CreateAuthorizedTransaction<RuntimeCall>>::create_authorized_transaction(
				call,
			);
		assert_eq!(
			Executive::apply_extrinsic(xt),
			Err(TransactionValidityError::Invalid(InvalidTransaction::UnknownOrigin))
		);
		// A vote signed by a key nobody tied to the attestor.
		let contract = subscribe();
		run_to(2);
		let round = pallet_datdot_hosting::Rounds::<Runtime>::get(contract).expect("drawn");
		let rule = Hosting::rule_selection(contract).expect("a selection");
		let attestor = round.attestors[0].clone();
		let vote = pallet_datdot_hosting::MatchingVote {
			contract,
			seed: round.seed,
			attestor,
			selection: pallet_datdot_hosting::SelectionInput {
				hosters: rule.hosters.to_vec(),
				encoders: rule.encoders.to_vec(),
			},
		};
		let mallory = sp_core::sr25519::Pair::from_string("//Mallory", None).unwrap();
		let signature: datdot_primitives::attestor::AttestorSignature =
			mallory.sign(&Hosting::vote_message(&vote)).into();
		let send = |vote: &pallet_datdot_hosting::MatchingVote<AccountId>| {
			let call = RuntimeCall::Hosting(pallet_datdot_hosting::Call::submit_matching_vote {
				vote: vote.clone(),
				signature: signature.clone(),
			});
			Executive::apply_extrinsic(
				<Runtime as CreateAuthorizedTransaction<RuntimeCall>>::create_authorized_transaction(
					call,
				),
			)
		};
		// The attestor has tied no key yet...
		assert_eq!(
			send(&vote),
			Err(TransactionValidityError::Invalid(InvalidTransaction::Custom(
				invalid_vote::NO_ATTESTOR_KEY
			)))
		);
		// ...and once it has, a signature by another key does not count.
		tie_key(&vote.attestor);
		assert_eq!(
			send(&vote),
			Err(TransactionValidityError::Invalid(InvalidTransaction::BadProof))
		);
		assert!(pallet_datdot_hosting::Rounds::<Runtime>::get(contract).unwrap().votes.is_empty());
	});
}
