//! Named genesis presets. The node picks one (`--dev` → `development`, `--chain local` →
//! `local_testnet`); the runtime alone decides what each contains.

use alloc::{vec, vec::Vec};
use frame_support::build_struct_json_patch;
use serde_json::Value;
use sp_consensus_babe::AuthorityId as BabeId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

use crate::{
	AccountId, Balance, BalancesConfig, RolesConfig, RuntimeGenesisConfig, SudoConfig, UNIT,
};
use datdot_primitives::attestor::AttestorId;

/// What each well-known dev account holds at genesis.
pub const ENDOWMENT: Balance = 1_000_000 * UNIT;

fn genesis(
	authorities: Vec<(BabeId, GrandpaId)>,
	endowed: Vec<AccountId>,
	root: AccountId,
) -> Value {
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: endowed
				.iter()
				.cloned()
				.map(|account| (account, ENDOWMENT))
				.collect::<Vec<_>>(),
		},
		babe: pallet_babe::GenesisConfig {
			authorities: authorities.iter().map(|(babe, _)| (babe.clone(), 1)).collect::<Vec<_>>(),
			epoch_config: crate::BABE_GENESIS_EPOCH_CONFIG,
		},
		grandpa: pallet_grandpa::GenesisConfig {
			authorities: authorities
				.iter()
				.map(|(_, grandpa)| (grandpa.clone(), 1))
				.collect::<Vec<_>>(),
		},
		sudo: SudoConfig { key: Some(root) },
		// Each funded dev account votes with its own sr25519 key when it is drawn as an
		// attestor: `datdot-node` puts these keys in the keystore of development chains.
		roles: RolesConfig {
			attestor_keys: endowed
				.iter()
				.map(|account| (
					account.clone(),
					AttestorId::from(sp_core::sr25519::Public::from(<[u8; 32]>::from(
						account.clone()
					)))
				))
				.collect::<Vec<_>>(),
		},
	})
}

/// A validator's BABE and GRANDPA keys: the dev keys of the same name (`//Alice`, ...).
fn authority(babe: Sr25519Keyring, grandpa: Ed25519Keyring) -> (BabeId, GrandpaId) {
	(babe.public().into(), grandpa.public().into())
}

/// One validator (Alice), all well-known accounts funded, Alice is root.
pub fn development_config_genesis() -> Value {
	genesis(
		vec![authority(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
		Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect(),
		Sr25519Keyring::Alice.to_account_id(),
	)
}

/// Two validators (Alice and Bob), all well-known accounts funded, Alice is root.
pub fn local_config_genesis() -> Value {
	genesis(
		vec![
			authority(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
			authority(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
		],
		Sr25519Keyring::iter()
			.filter(|k| *k != Sr25519Keyring::One && *k != Sr25519Keyring::Two)
			.map(|k| k.to_account_id())
			.collect(),
		Sr25519Keyring::Alice.to_account_id(),
	)
}

/// The JSON of a named preset, if the runtime has it.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development_config_genesis(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_config_genesis(),
		_ => return None,
	};
	serde_json::to_string(&patch).ok().map(|json| json.into_bytes())
}

/// The names of the presets this runtime offers.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
	]
}
