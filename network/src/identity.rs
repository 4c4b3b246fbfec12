//! Who a provider or sponsor is: its account key (sr25519, signs transactions), its off-chain key
//! (ed25519, signs setup and contact statements; `<uri>//datdot`) and, for attestors, the key its
//! node votes with (sr25519, `<uri>//attestor`), all derived from one secret URI such as
//! `//Alice` or a mnemonic with a derivation path.

use codec::Encode;
use datdot_primitives::{
	attestor,
	signing::{signing_payload, CONTACT_TAG, KEY_TAG, SETUP_TAG},
	BenchmarkId, ChunkRange, ContractId,
};
use sp_core::{crypto::AccountId32, ed25519, sr25519, Pair, H256};
use subxt_signer::{sr25519::Keypair, SecretUri};

/// Why keys could not be derived.
#[derive(Debug, thiserror::Error)]
#[error("bad secret URI: {0}")]
pub struct BadSecret(String);

/// One account's keys.
#[derive(Clone)]
pub struct Identity {
	uri: String,
	account: AccountId32,
	signer: Keypair,
	off_chain: ed25519::Pair,
	attestor: sr25519::Pair,
	genesis: H256,
}

impl Identity {
	/// The keys of secret URI `uri` on the chain with genesis hash `genesis`.
	pub fn from_uri(uri: &str, genesis: H256) -> Result<Self, BadSecret> {
		let bad = |e: String| BadSecret(format!("{e}"));
		let secret: SecretUri = uri.parse().map_err(|e| bad(format!("{e:?}")))?;
		let signer = Keypair::from_uri(&secret).map_err(|e| bad(format!("{e:?}")))?;
		let account = AccountId32::new(signer.public_key().0);
		let off_chain = ed25519::Pair::from_string(&format!("{uri}//datdot"), None)
			.map_err(|e| bad(format!("{e:?}")))?;
		let attestor = sr25519::Pair::from_string(&format!("{uri}//attestor"), None)
			.map_err(|e| bad(format!("{e:?}")))?;
		Ok(Self { uri: uri.to_string(), account, signer, off_chain, attestor, genesis })
	}

	/// The account.
	pub fn account(&self) -> &AccountId32 {
		&self.account
	}

	/// The transaction signer.
	pub fn signer(&self) -> &Keypair {
		&self.signer
	}

	/// The off-chain (ed25519) public key, as the profile registers it.
	pub fn signing_key(&self) -> [u8; 32] {
		self.off_chain.public().0
	}

	/// The attestor key's public half.
	pub fn attestor_key(&self) -> [u8; 32] {
		self.attestor.public().0
	}

	/// The attestor key's secret URI and public half, as a node's keystore takes them.
	pub fn attestor_key_uri(&self) -> (String, [u8; 32]) {
		(format!("{}//attestor", self.uri), self.attestor_key())
	}

	fn sign<S: Encode>(&self, tag: &[u8], subject: S) -> [u8; 64] {
		self.off_chain.sign(&signing_payload(tag, self.genesis.as_ref(), subject)).0
	}

	/// The profile's proof that the account holds its off-chain key.
	pub fn key_proof(&self) -> [u8; 64] {
		self.sign(KEY_TAG, (&self.account, self.signing_key()))
	}

	/// The proof `roles_set_attestor_key` takes: the attestor key's signature over the account.
	pub fn attestor_key_proof(&self) -> [u8; 64] {
		let message = attestor::key_message(
			self.genesis.as_ref(),
			&self.account,
			&attestor::AttestorId::from(self.attestor.public()),
		);
		self.attestor.sign(&message).0
	}

	/// The hoster's statement that it holds its copy of `contract` with `commitment`.
	pub fn setup_signature(
		&self,
		contract: ContractId,
		feed: [u8; 32],
		range: ChunkRange,
		commitment: &H256,
	) -> [u8; 64] {
		self.sign(SETUP_TAG, (contract, &self.account, feed, range, commitment))
	}

	/// The hoster's statement that `attestor` reached it for `benchmark` of `contract`.
	pub fn contact_signature(
		&self,
		benchmark: BenchmarkId,
		contract: ContractId,
		attestor: &AccountId32,
	) -> [u8; 64] {
		self.sign(CONTACT_TAG, (benchmark, contract, attestor, &self.account))
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use datdot_primitives::signing::verify_ed25519;

	#[test]
	fn keys_follow_the_dev_conventions() {
		let genesis = H256::repeat_byte(1);
		let alice = Identity::from_uri("//Alice", genesis).expect("keys");
		let expected = sr25519::Pair::from_string("//Alice", None).expect("a pair").public();
		assert_eq!(alice.account(), &AccountId32::from(expected));
		let off = ed25519::Pair::from_string("//Alice//datdot", None).expect("a pair").public();
		assert_eq!(alice.signing_key(), off.0);
		let proof = alice.key_proof();
		let payload = signing_payload(KEY_TAG, genesis.as_ref(), (alice.account(), off.0));
		assert!(verify_ed25519(&payload, &proof, &off.0));
		let other_chain = signing_payload(KEY_TAG, &[2; 32], (alice.account(), off.0));
		assert!(!verify_ed25519(&other_chain, &proof, &off.0));
		assert!(Identity::from_uri("not a uri ///", genesis).is_err());
	}
}
