//! Reads Hypercore's trees and proofs from the JSON the `tests/hypercore` fixtures hold (bytes as
//! hex, nodes as `{ index, size, hash }`; see `tests/hypercore/README.md`). For tests and tools;
//! a malformed file is a panic with the reason.

use crate::{BlockProof, FeedKey, Node, NodeProof, SignedTree, Signer};
use alloc::vec::Vec;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The committed fixtures (`generated` for the large ones), from a crate of this workspace.
pub fn fixtures(manifest_dir: &str, set: &str) -> PathBuf {
	Path::new(manifest_dir).join("../tests/hypercore").join(set)
}

/// The JSON of the fixture at `path`.
pub fn read(path: &Path) -> Value {
	let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
		panic!(
			"{}: {e}. Make the fixtures with `npm ci && npm run fixtures -- --big` in \
			 tests/hypercore (scripts/test.sh does)",
			path.display()
		)
	});
	serde_json::from_str(&text).expect("fixture JSON")
}

/// Bytes from hex, with or without `0x`.
pub fn hex(value: &Value) -> Vec<u8> {
	let text = value.as_str().expect("a hex string");
	let text = text.strip_prefix("0x").unwrap_or(text);
	(0..text.len())
		.step_by(2)
		.map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
		.collect()
}

/// `N` bytes from hex.
pub fn bytes<const N: usize>(value: &Value) -> [u8; N] {
	hex(value).try_into().unwrap_or_else(|v: Vec<u8>| panic!("{} bytes, not {N}", v.len()))
}

/// A number.
pub fn number(value: &Value) -> u64 {
	value.as_u64().expect("a number")
}

/// A list of nodes.
pub fn nodes(value: &Value) -> Vec<Node> {
	value
		.as_array()
		.expect("a list of nodes")
		.iter()
		.map(|node| Node {
			index: number(&node["index"]),
			size: number(&node["size"]),
			hash: bytes(&node["hash"]),
		})
		.collect()
}

/// A tree's key with its signer (`"Compat"` or `{ "DefaultManifest": publicKey }`).
pub fn feed_key(tree: &Value) -> FeedKey {
	let signer = match &tree["signer"] {
		Value::String(kind) if kind == "Compat" => Signer::Compat,
		signer => Signer::DefaultManifest(bytes(&signer["DefaultManifest"])),
	};
	FeedKey { key: bytes(&tree["key"]), signer }
}

/// A signed tree.
pub fn signed_tree(tree: &Value) -> SignedTree {
	SignedTree {
		length: number(&tree["length"]),
		fork: number(&tree["fork"]),
		roots: nodes(&tree["roots"]),
		signature: bytes(&tree["signature"]),
	}
}

/// A block proof.
pub fn block_proof(proof: &Value) -> BlockProof {
	BlockProof {
		fork: number(&proof["fork"]),
		index: number(&proof["index"]),
		value: hex(&proof["value"]),
		nodes: nodes(&proof["nodes"]),
	}
}

/// A node proof.
pub fn node_proof(proof: &Value) -> NodeProof {
	NodeProof {
		fork: number(&proof["fork"]),
		index: number(&proof["index"]),
		nodes: nodes(&proof["nodes"]),
	}
}
