//! Off-chain worker and pool tests: attestors' nodes vote the rule's selection from their
//! keystore, once, and the pool lets in only votes that can count.

use crate::{
	invalid_vote, mock::*, Call, Contracts, Error, MatchingVote, Rounds, SelectionInput,
	VOTE_RESEND_AFTER,
};
use codec::Decode;
use datdot_primitives::{
	attestor::{AttestorId, AttestorSignature, KEY_TYPE},
	ChunkRange, ContractManager, ContractStatus, Role,
};
use frame_support::{
	assert_noop, assert_ok,
	pallet_prelude::{InvalidTransaction, TransactionSource, TransactionValidityError},
	traits::{Authorize, Hooks},
};
use sp_keystore::Keystore;
use sp_runtime::{traits::Dispatchable, RuntimeAppPublic};

/// Opens and starts plan 0 with one two-position contract.
fn started() -> u64 {
	add_plan(0, 2);
	let id = Hosting::open(0, &[ChunkRange { start: 0, end: 100 }]).unwrap()[0];
	assert_ok!(Hosting::start(0));
	id
}

fn drawn(contract: u64) -> Vec<AccountId> {
	Rounds::<Test>::get(contract).unwrap().attestors.into_inner()
}

/// Puts a fresh attestor key of `who` in the node's keystore and ties it to `who`.
fn hold_key(parts: &OffchainParts, who: AccountId) -> AttestorId {
	let public = parts.keystore.sr25519_generate_new(KEY_TYPE, None).unwrap();
	let key = AttestorId::from(public);
	with_world(|w| w.keys.insert(who, key.clone()));
	key
}

/// The votes in the pool, decoded.
fn pooled(parts: &OffchainParts) -> Vec<(MatchingVote<AccountId>, AttestorSignature)> {
	parts
		.pool
		.read()
		.transactions
		.iter()
		.map(|bytes| {
			let xt = Extrinsic::decode(&mut &bytes[..]).expect("an extrinsic");
			match xt.function {
				RuntimeCall::Hosting(Call::submit_matching_vote { vote, signature }) => {
					(vote, signature)
				}
				other => panic!("unexpected call {other:?}"),
			}
		})
		.collect()
}

fn rule(contract: u64) -> SelectionInput<AccountId> {
	let rule = Hosting::rule_selection(contract).unwrap();
	SelectionInput { hosters: rule.hosters.into_inner(), encoders: rule.encoders.into_inner() }
}

fn vote_call(vote: MatchingVote<AccountId>, signature: AttestorSignature) -> RuntimeCall {
	RuntimeCall::Hosting(Call::submit_matching_vote { vote, signature })
}

/// What the pool says of `call`, as the `AuthorizeCall` extension asks.
fn validate(call: &RuntimeCall) -> Result<(), TransactionValidityError> {
	call.authorize(TransactionSource::External).expect("the call is authorized by the pallet")?;
	Ok(())
}

/// Applies a pooled vote as a block would: authorized, then dispatched.
fn apply(vote: MatchingVote<AccountId>, signature: AttestorSignature) {
	let call = vote_call(vote, signature);
	validate(&call).expect("the vote is valid");
	assert_ok!(call.dispatch(frame_system::RawOrigin::Authorized.into()));
}

/// A vote of `attestor` (holding `key`) on the live round, signed.
fn signed_vote(
	contract: u64,
	attestor: AccountId,
	key: &AttestorId,
	selection: SelectionInput<AccountId>,
) -> (MatchingVote<AccountId>, AttestorSignature) {
	let seed = Rounds::<Test>::get(contract).unwrap().seed;
	let vote = MatchingVote { contract, seed, attestor, selection };
	let signature = key.sign(&Hosting::vote_message(&vote)).unwrap();
	(vote, signature)
}

#[test]
fn a_drawn_attestors_node_sends_one_vote_the_rules_selection() {
	ExtBuilder::default().build_offchain_and_execute(|parts| {
		let contract = started();
		let attestor = drawn(contract)[0];
		let key = hold_key(parts, attestor);
		Hosting::offchain_worker(1);
		let votes = pooled(parts);
		assert_eq!(votes.len(), 1);
		let (vote, signature) = &votes[0];
		assert_eq!(vote.attestor, attestor);
		assert_eq!(vote.contract, contract);
		assert_eq!(vote.seed, Rounds::<Test>::get(contract).unwrap().seed);
		assert_eq!(vote.selection, rule(contract));
		assert!(key.verify(&Hosting::vote_message(vote), signature));
		// The worker of the same block, and of the next ones, does not send it again...
		Hosting::offchain_worker(1);
		for n in 2..1 + u64::from(VOTE_RESEND_AFTER) {
			set_block(n);
			Hosting::offchain_worker(n);
		}
		assert_eq!(pooled(parts).len(), 1);
		// ...until the vote has had its time to land and has not.
		let again = 1 + u64::from(VOTE_RESEND_AFTER);
		set_block(again);
		Hosting::offchain_worker(again);
		assert_eq!(pooled(parts).len(), 2);
		assert_eq!(pooled(parts)[1].0, votes[0].0);
		// Once on chain, it is never sent again.
		apply(vote.clone(), signature.clone());
		let later = again + u64::from(VOTE_RESEND_AFTER);
		set_block(later);
		Hosting::offchain_worker(later);
		assert_eq!(pooled(parts).len(), 2);
	});
}

#[test]
fn a_node_without_a_drawn_attestors_key_sends_nothing() {
	ExtBuilder::default().build_offchain_and_execute(|parts| {
		let contract = started();
		let drawn = drawn(contract);
		// A key of an attestor who was not drawn.
		let undrawn = *ATTESTORS.iter().find(|a| !drawn.contains(a)).unwrap();
		hold_key(parts, undrawn);
		// A key in the keystore that no account holds.
		parts.keystore.sr25519_generate_new(KEY_TYPE, None).unwrap();
		// A drawn attestor's key of another type.
		parts.keystore.sr25519_generate_new(sp_core::crypto::KeyTypeId(*b"babe"), None).unwrap();
		Hosting::offchain_worker(1);
		assert!(pooled(parts).is_empty());
	});
}

#[test]
fn independent_nodes_votes_form_the_quorum() {
	// Three nodes, each with one drawn attestor's key: their workers agree.
	let mut sent = Vec::new();
	for node in 0..3 {
		ExtBuilder::default().build_offchain_and_execute(|parts| {
			let contract = started();
			hold_key(parts, drawn(contract)[node]);
			Hosting::offchain_worker(1);
			let votes = pooled(parts);
			assert_eq!(votes.len(), 1);
			sent.push(votes[0].0.clone());
		});
	}
	assert!(sent
		.iter()
		.all(|vote| vote.selection == sent[0].selection && vote.seed == sent[0].seed));
	// On one chain, one node holding all three keys: two votes make the quorum.
	ExtBuilder::default().build_offchain_and_execute(|parts| {
		let contract = started();
		for attestor in drawn(contract) {
			hold_key(parts, attestor);
		}
		Hosting::offchain_worker(1);
		let votes = pooled(parts);
		assert_eq!(votes.len(), 3);
		let mut votes = votes.into_iter();
		let (first, second, third) =
			(votes.next().unwrap(), votes.next().unwrap(), votes.next().unwrap());
		apply(first.0, first.1);
		apply(second.0, second.1);
		let stored = Contracts::<Test>::get(contract).unwrap();
		assert_eq!(stored.status, ContractStatus::SettingUp);
		let hosters: Vec<_> = stored.positions.iter().map(|p| p.hoster.unwrap()).collect();
		assert_eq!(hosters, sent[0].selection.hosters);
		// The third vote is stale now: the round is over.
		assert_eq!(validate(&vote_call(third.0, third.1)), Err(InvalidTransaction::Stale.into()));
	});
}

#[test]
fn the_pool_refuses_votes_that_cannot_count() {
	ExtBuilder::default().build_offchain_and_execute(|parts| {
		let contract = started();
		let drawn = drawn(contract);
		let (attestor, other) = (drawn[0], drawn[1]);
		let key = hold_key(parts, attestor);
		let other_key = hold_key(parts, other);
		let pick = rule(contract);

		// A good vote: priority, longevity and a tag per round and attestor.
		let (vote, signature) = signed_vote(contract, attestor, &key, pick.clone());
		let call = vote_call(vote.clone(), signature.clone());
		let (validity, _) = call.authorize(TransactionSource::External).unwrap().unwrap();
		assert_eq!(validity.priority, VotePriority::get());
		assert_eq!(validity.longevity, MatchingTimeout::get());
		assert_eq!(validity.provides.len(), 1);
		assert!(validity.propagate);

		// Signed by another attestor's key.
		let (_, wrong) = signed_vote(contract, attestor, &other_key, pick.clone());
		assert_eq!(
			validate(&vote_call(vote.clone(), wrong)),
			Err(InvalidTransaction::BadProof.into())
		);
		// An undrawn attestor, even with its own key.
		let undrawn = *ATTESTORS.iter().find(|a| !drawn.contains(a)).unwrap();
		let undrawn_key = hold_key(parts, undrawn);
		let (v, s) = signed_vote(contract, undrawn, &undrawn_key, pick.clone());
		assert_eq!(validate(&vote_call(v, s)), Err(InvalidTransaction::BadSigner.into()));
		// An unknown contract, and an earlier round's seed.
		let (mut v, _) = signed_vote(contract, attestor, &key, pick.clone());
		v.contract = 99;
		let s = key.sign(&Hosting::vote_message(&v)).unwrap();
		assert_eq!(validate(&vote_call(v, s)), Err(InvalidTransaction::Stale.into()));
		let (mut v, _) = signed_vote(contract, attestor, &key, pick.clone());
		v.seed = Default::default();
		let s = key.sign(&Hosting::vote_message(&v)).unwrap();
		assert_eq!(validate(&vote_call(v, s)), Err(InvalidTransaction::Stale.into()));
		// A selection other than the rule's.
		let swapped = SelectionInput {
			hosters: vec![pick.hosters[1], pick.hosters[0]],
			encoders: pick.encoders.clone(),
		};
		let (v, s) = signed_vote(contract, attestor, &key, swapped);
		assert_eq!(
			validate(&vote_call(v, s)),
			Err(InvalidTransaction::Custom(invalid_vote::NOT_RULE_SELECTION).into())
		);
		// An attestor without a key tied to it.
		with_world(|w| w.keys.remove(&other));
		let (v, s) = signed_vote(contract, other, &other_key, pick.clone());
		assert_eq!(
			validate(&vote_call(v, s)),
			Err(InvalidTransaction::Custom(invalid_vote::NO_ATTESTOR_KEY).into())
		);
		// A duplicate of a vote already counted.
		apply(vote.clone(), signature.clone());
		assert_eq!(validate(&call), Err(InvalidTransaction::Stale.into()));
		// Dispatched without the pool's authorization, a vote is refused.
		assert_noop!(
			vote_call(vote, signature).dispatch(RuntimeOrigin::signed(attestor)),
			sp_runtime::DispatchError::BadOrigin
		);
	});
}

#[test]
fn the_rule_skips_providers_outside_their_availability() {
	ExtBuilder::default().build_offchain_and_execute(|_| {
		let contract = started();
		let first = rule(contract);
		with_world(|w| w.providers.get_mut(&(first.hosters[0], Role::Hoster)).unwrap().away = true);
		let after = rule(contract);
		assert!(!after.hosters.contains(&first.hosters[0]));
		assert_noop!(
			Hosting::submit_matching(RuntimeOrigin::signed(drawn(contract)[0]), contract, first),
			Error::<Test>::HosterNotEligible
		);
	});
}
