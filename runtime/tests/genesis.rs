//! Runtime tests: the genesis presets and a dispatch on the state they build.

use datdot_runtime::{
	genesis_config_presets::{get_preset, preset_names, ENDOWMENT},
	Balances, BuildStorage, Runtime, RuntimeCall, RuntimeGenesisConfig, RuntimeOrigin, System,
	EXISTENTIAL_DEPOSIT, UNIT,
};
use frame_support::{assert_noop, assert_ok, traits::UnfilteredDispatchable};
use sp_genesis_builder::{PresetId, DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET};
use sp_keyring::Sr25519Keyring;

/// Applies a JSON merge patch: objects merge key by key, anything else replaces.
fn merge(base: &mut serde_json::Value, patch: serde_json::Value) {
	match (base, patch) {
		(serde_json::Value::Object(base), serde_json::Value::Object(patch)) => {
			for (key, value) in patch {
				merge(base.entry(key).or_insert(serde_json::Value::Null), value);
			}
		}
		(base, patch) => *base = patch,
	}
}

/// The storage a preset describes, built the way a node builds genesis.
fn storage_of(preset: &str) -> sp_runtime::Storage {
	let json = get_preset(&PresetId::from(preset)).expect("the preset exists");
	let patch: serde_json::Value = serde_json::from_slice(&json).expect("the preset is JSON");
	let mut config = serde_json::to_value(RuntimeGenesisConfig::default()).unwrap();
	merge(&mut config, patch);
	let config: RuntimeGenesisConfig = serde_json::from_value(config).expect("a full config");
	config.build_storage().expect("genesis builds")
}

#[test]
fn the_runtime_names_its_two_presets_and_no_other() {
	let names: Vec<_> =
		preset_names().into_iter().map(|p| String::from_utf8(p.into()).unwrap()).collect();
	assert_eq!(
		names,
		vec![DEV_RUNTIME_PRESET.to_string(), LOCAL_TESTNET_RUNTIME_PRESET.to_string()]
	);
	assert!(get_preset(&PresetId::from("mainnet")).is_none());
}

#[test]
fn development_funds_the_dev_accounts_with_alice_as_validator_and_root() {
	sp_io::TestExternalities::new(storage_of(DEV_RUNTIME_PRESET)).execute_with(|| {
		for key in Sr25519Keyring::well_known() {
			assert_eq!(Balances::free_balance(key.to_account_id()), ENDOWMENT, "{key:?}");
		}
		let babe = pallet_babe::Authorities::<Runtime>::get();
		assert_eq!(babe.into_inner(), vec![(Sr25519Keyring::Alice.public().into(), 1)]);
		assert_eq!(
			pallet_babe::EpochConfig::<Runtime>::get(),
			Some(datdot_runtime::BABE_GENESIS_EPOCH_CONFIG)
		);
		assert_eq!(pallet_grandpa::Pallet::<Runtime>::grandpa_authorities().len(), 1);
		assert_eq!(pallet_sudo::Key::<Runtime>::get(), Some(Sr25519Keyring::Alice.to_account_id()));
		// Each dev account votes with its own sr25519 key, which the dev node's keystore holds.
		for key in Sr25519Keyring::well_known() {
			let attestor = datdot_primitives::attestor::AttestorId::from(key.public());
			assert_eq!(
				pallet_datdot_roles::AttestorKeys::<Runtime>::get(key.to_account_id()),
				Some(attestor.clone())
			);
			assert_eq!(
				pallet_datdot_roles::AttestorKeyOwners::<Runtime>::get(attestor),
				Some(key.to_account_id())
			);
		}
	});
}

#[test]
fn local_testnet_has_alice_and_bob_as_validators() {
	sp_io::TestExternalities::new(storage_of(LOCAL_TESTNET_RUNTIME_PRESET)).execute_with(|| {
		let babe = pallet_babe::Authorities::<Runtime>::get().into_inner();
		assert_eq!(
			babe,
			vec![
				(Sr25519Keyring::Alice.public().into(), 1),
				(Sr25519Keyring::Bob.public().into(), 1)
			]
		);
		assert_eq!(pallet_grandpa::Pallet::<Runtime>::grandpa_authorities().len(), 2);
		assert_eq!(Balances::free_balance(Sr25519Keyring::Charlie.to_account_id()), ENDOWMENT);
	});
}

#[test]
fn a_transfer_dispatches_on_the_development_state() {
	sp_io::TestExternalities::new(storage_of(DEV_RUNTIME_PRESET)).execute_with(|| {
		System::set_block_number(1);
		let (alice, bob) =
			(Sr25519Keyring::Alice.to_account_id(), Sr25519Keyring::Bob.to_account_id());
		let call = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
			dest: bob.clone().into(),
			value: 5 * UNIT,
		});
		assert_ok!(call.dispatch_bypass_filter(RuntimeOrigin::signed(alice.clone())));
		assert_eq!(Balances::free_balance(&bob), ENDOWMENT + 5 * UNIT);
		assert_eq!(Balances::free_balance(&alice), ENDOWMENT - 5 * UNIT);
		System::assert_last_event(
			pallet_balances::Event::Transfer { from: alice, to: bob.clone(), amount: 5 * UNIT }
				.into(),
		);
		// Leaving less than the existential deposit is refused by keep-alive.
		let all = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
			dest: Sr25519Keyring::Charlie.to_account_id().into(),
			value: ENDOWMENT + 5 * UNIT - EXISTENTIAL_DEPOSIT / 2,
		});
		assert_noop!(
			all.dispatch_bypass_filter(RuntimeOrigin::signed(bob)),
			sp_runtime::TokenError::NotExpendable
		);
	});
}
