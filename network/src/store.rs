//! A hoster's copies on disk: plain files, each with a Blake2-256 checksum of its contents, each
//! written to a temporary file, synced and renamed into place, so a crash leaves either the old
//! file or the new one and a damaged file is found when read.
//!
//! ```text
//! <root>/copies/<contract>/info          what the copy is of (CopyInfo)
//! <root>/copies/<contract>/<index>.chunk an encoded block with its Hypercore nodes (StoredChunk)
//! <root>/copies/<contract>/sealed        the commitment and the signed confirmation (Sealed)
//! ```

use codec::{Decode, Encode};
use datdot_primitives::{encoding, feed::Node, ChunkIndex, ChunkRange, ContractId, PlanId};
use sp_core::H256;
use sp_io::hashing::blake2_256;
use std::{
	fs,
	io::Write,
	path::{Path, PathBuf},
};

/// What a copy is of: everything needed to check and prove its blocks.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct CopyInfo {
	/// The contract.
	pub contract: ContractId,
	/// Its plan.
	pub plan: PlanId,
	/// The feed's key.
	pub feed: [u8; 32],
	/// The chunks (feed blocks) it covers.
	pub range: ChunkRange,
	/// The copy key (`encoding::copy_key`).
	pub key: [u8; 32],
	/// The length of the signed tree the stored nodes prove against.
	pub length: u64,
	/// Its fork.
	pub fork: u64,
}

/// An encoded block as stored: the block's Hypercore nodes at the copy's signed length.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct StoredChunk {
	/// The encoded block.
	pub encoded: Vec<u8>,
	/// The siblings of the decoded block up to its root.
	pub nodes: Vec<Node>,
}

/// A complete copy: its leaves, commitment and the hoster's signature over its setup message.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct Sealed {
	/// The copy's leaves, in range order.
	pub leaves: Vec<H256>,
	/// The commitment over them.
	pub commitment: H256,
	/// The hoster's ed25519 signature over the setup message.
	pub signature: [u8; 64],
}

/// Why the store refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
	/// The file system failed.
	#[error("{path}: {source}")]
	Io {
		/// Which path.
		path: PathBuf,
		/// What failed.
		source: std::io::Error,
	},
	/// A file's checksum does not match its contents, or it does not decode.
	#[error("{0}: damaged (checksum or format)")]
	Damaged(PathBuf),
	/// The store holds no copy of this contract.
	#[error("no copy of contract {0}")]
	UnknownCopy(ContractId),
	/// The chunk is outside the copy's range.
	#[error("chunk {chunk} is outside contract {contract}'s range")]
	OutOfRange {
		/// The contract.
		contract: ContractId,
		/// The chunk.
		chunk: ChunkIndex,
	},
	/// The copy still lacks chunks.
	#[error("contract {contract}'s copy lacks {missing} chunks")]
	Incomplete {
		/// The contract.
		contract: ContractId,
		/// How many.
		missing: usize,
	},
	/// A stored block is not the one the copy was sealed with.
	#[error("chunk {chunk} of contract {contract} differs from the sealed copy")]
	NotSealedChunk {
		/// The contract.
		contract: ContractId,
		/// The chunk.
		chunk: ChunkIndex,
	},
}

/// A hoster's copies under one directory.
#[derive(Clone, Debug)]
pub struct Store {
	root: PathBuf,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
	move |source| StoreError::Io { path: path.to_path_buf(), source }
}

/// Writes `checksum ‖ value` to `path` atomically and durably.
fn write_checked<T: Encode>(path: &Path, value: &T) -> Result<(), StoreError> {
	let body = value.encode();
	let tmp = path.with_extension("tmp");
	let mut file = fs::File::create(&tmp).map_err(io(&tmp))?;
	file.write_all(&blake2_256(&body)).map_err(io(&tmp))?;
	file.write_all(&body).map_err(io(&tmp))?;
	file.sync_all().map_err(io(&tmp))?;
	drop(file);
	fs::rename(&tmp, path).map_err(io(path))?;
	if let Some(dir) = path.parent() {
		fs::File::open(dir).and_then(|d| d.sync_all()).map_err(io(dir))?;
	}
	Ok(())
}

/// Reads a file [`write_checked`] wrote; `None` if there is none.
fn read_checked<T: Decode>(path: &Path) -> Result<Option<T>, StoreError> {
	let bytes = match fs::read(path) {
		Ok(bytes) => bytes,
		Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
		Err(source) => return Err(StoreError::Io { path: path.to_path_buf(), source }),
	};
	let damaged = || StoreError::Damaged(path.to_path_buf());
	if bytes.len() < 32 || blake2_256(&bytes[32..]) != bytes[..32] {
		return Err(damaged());
	}
	T::decode(&mut &bytes[32..]).map(Some).map_err(|_| damaged())
}

impl Store {
	/// The store under `root`, created if needed.
	pub fn open(root: &Path) -> Result<Self, StoreError> {
		let copies = root.join("copies");
		fs::create_dir_all(&copies).map_err(io(&copies))?;
		Ok(Self { root: root.to_path_buf() })
	}

	fn dir(&self, contract: ContractId) -> PathBuf {
		self.root.join("copies").join(contract.to_string())
	}

	fn chunk_path(&self, contract: ContractId, chunk: ChunkIndex) -> PathBuf {
		self.dir(contract).join(format!("{chunk}.chunk"))
	}

	/// The contracts the store holds copies (complete or not) of.
	pub fn contracts(&self) -> Result<Vec<ContractId>, StoreError> {
		let copies = self.root.join("copies");
		let mut contracts = Vec::new();
		for entry in fs::read_dir(&copies).map_err(io(&copies))? {
			let entry = entry.map_err(io(&copies))?;
			if let Some(contract) = entry.file_name().to_str().and_then(|n| n.parse().ok()) {
				contracts.push(contract);
			}
		}
		contracts.sort_unstable();
		Ok(contracts)
	}

	/// Starts (or keeps) the copy `info` describes. A stored copy of the same contract made for
	/// anything else (another key, range or tree) is dropped first.
	pub fn begin(&self, info: &CopyInfo) -> Result<(), StoreError> {
		if self.info(info.contract)?.as_ref() == Some(info) {
			return Ok(());
		}
		self.remove(info.contract)?;
		let dir = self.dir(info.contract);
		fs::create_dir_all(&dir).map_err(io(&dir))?;
		write_checked(&dir.join("info"), info)
	}

	/// What the stored copy of `contract` is of.
	pub fn info(&self, contract: ContractId) -> Result<Option<CopyInfo>, StoreError> {
		read_checked(&self.dir(contract).join("info"))
	}

	fn known_info(&self, contract: ContractId) -> Result<CopyInfo, StoreError> {
		self.info(contract)?.ok_or(StoreError::UnknownCopy(contract))
	}

	/// Stores chunk `chunk` of `contract`'s copy.
	pub fn put_chunk(
		&self,
		contract: ContractId,
		chunk: ChunkIndex,
		stored: &StoredChunk,
	) -> Result<(), StoreError> {
		let info = self.known_info(contract)?;
		if chunk < info.range.start || chunk >= info.range.end {
			return Err(StoreError::OutOfRange { contract, chunk });
		}
		write_checked(&self.chunk_path(contract, chunk), stored)
	}

	/// Chunk `chunk` of `contract`'s copy as stored, checked against its checksum and, once the
	/// copy is sealed, against the sealed leaf.
	pub fn chunk(
		&self,
		contract: ContractId,
		chunk: ChunkIndex,
	) -> Result<Option<StoredChunk>, StoreError> {
		let info = self.known_info(contract)?;
		if chunk < info.range.start || chunk >= info.range.end {
			return Err(StoreError::OutOfRange { contract, chunk });
		}
		let Some(stored) = read_checked::<StoredChunk>(&self.chunk_path(contract, chunk))? else {
			return Ok(None);
		};
		if let Some(sealed) = self.sealed(contract)? {
			let at = (chunk - info.range.start) as usize;
			if sealed.leaves.get(at) != Some(&encoding::leaf(&stored.encoded)) {
				return Err(StoreError::NotSealedChunk { contract, chunk });
			}
		}
		Ok(Some(stored))
	}

	/// The chunks of `contract`'s copy not stored yet.
	pub fn missing(&self, contract: ContractId) -> Result<Vec<ChunkIndex>, StoreError> {
		let info = self.known_info(contract)?;
		Ok((info.range.start..info.range.end)
			.filter(|chunk| !self.chunk_path(contract, *chunk).exists())
			.collect())
	}

	/// Seals a complete copy: reads every chunk back (checking it), computes the leaves and the
	/// commitment, and stores them with `sign(commitment)`, the hoster's setup signature.
	pub fn seal(
		&self,
		contract: ContractId,
		sign: impl FnOnce(&CopyInfo, &H256) -> [u8; 64],
	) -> Result<Sealed, StoreError> {
		if let Some(sealed) = self.sealed(contract)? {
			return Ok(sealed);
		}
		let info = self.known_info(contract)?;
		let mut leaves = Vec::with_capacity(info.range.len() as usize);
		let mut missing = 0;
		for chunk in info.range.start..info.range.end {
			match read_checked::<StoredChunk>(&self.chunk_path(contract, chunk))? {
				Some(stored) => leaves.push(encoding::leaf(&stored.encoded)),
				None => missing += 1,
			}
		}
		if missing > 0 {
			return Err(StoreError::Incomplete { contract, missing });
		}
		let commitment = encoding::commitment(&leaves);
		let signature = sign(&info, &commitment);
		let sealed = Sealed { leaves, commitment, signature };
		write_checked(&self.dir(contract).join("sealed"), &sealed)?;
		Ok(sealed)
	}

	/// The sealed state of `contract`'s copy, if it is complete.
	pub fn sealed(&self, contract: ContractId) -> Result<Option<Sealed>, StoreError> {
		read_checked(&self.dir(contract).join("sealed"))
	}

	/// Drops `contract`'s copy.
	pub fn remove(&self, contract: ContractId) -> Result<(), StoreError> {
		let dir = self.dir(contract);
		match fs::remove_dir_all(&dir) {
			Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
				Err(StoreError::Io { path: dir, source: e })
			}
			_ => Ok(()),
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn temp(name: &str) -> PathBuf {
		let dir = std::env::temp_dir().join(format!("datdot-store-{name}-{}", std::process::id()));
		let _ = fs::remove_dir_all(&dir);
		dir
	}

	fn info(contract: ContractId) -> CopyInfo {
		CopyInfo {
			contract,
			plan: 1,
			feed: [9; 32],
			range: ChunkRange { start: 4, end: 7 },
			key: [5; 32],
			length: 10,
			fork: 0,
		}
	}

	fn chunk(n: u8) -> StoredChunk {
		StoredChunk {
			encoded: vec![n; 100],
			nodes: vec![Node { index: 2, size: 100, hash: [n; 32] }],
		}
	}

	#[test]
	fn a_copy_is_stored_sealed_and_read_back_after_reopening() {
		let root = temp("seal");
		let store = Store::open(&root).expect("opened");
		store.begin(&info(3)).expect("begun");
		assert_eq!(store.missing(3).expect("listed"), vec![4, 5, 6]);
		store.put_chunk(3, 4, &chunk(4)).expect("stored");
		store.put_chunk(3, 6, &chunk(6)).expect("stored");
		assert!(matches!(
			store.seal(3, |_, _| [0; 64]),
			Err(StoreError::Incomplete { missing: 1, .. })
		));
		store.put_chunk(3, 5, &chunk(5)).expect("stored");
		assert!(matches!(
			store.put_chunk(3, 7, &chunk(7)),
			Err(StoreError::OutOfRange { chunk: 7, .. })
		));
		let sealed = store
			.seal(3, |info, commitment| {
				assert_eq!(info.contract, 3);
				let mut signature = [0; 64];
				signature[..32].copy_from_slice(commitment.as_bytes());
				signature
			})
			.expect("sealed");
		let leaves: Vec<H256> = [4, 5, 6].map(|n| encoding::leaf(&chunk(n).encoded)).to_vec();
		assert_eq!(sealed.leaves, leaves);
		assert_eq!(sealed.commitment, encoding::commitment(&leaves));
		assert_eq!(&sealed.signature[..32], sealed.commitment.as_bytes());

		let reopened = Store::open(&root).expect("reopened");
		assert_eq!(reopened.contracts().expect("listed"), vec![3]);
		assert_eq!(reopened.sealed(3).expect("read"), Some(sealed));
		assert_eq!(reopened.chunk(3, 5).expect("read"), Some(chunk(5)));
		// Beginning the same copy again keeps it; another copy of the contract replaces it.
		reopened.begin(&info(3)).expect("kept");
		assert!(reopened.sealed(3).expect("read").is_some());
		reopened.begin(&CopyInfo { key: [6; 32], ..info(3) }).expect("replaced");
		assert!(reopened.sealed(3).expect("read").is_none());
		assert_eq!(reopened.missing(3).expect("listed"), vec![4, 5, 6]);
		fs::remove_dir_all(&root).expect("cleaned");
	}

	#[test]
	fn damaged_and_swapped_chunks_are_found() {
		let root = temp("damage");
		let store = Store::open(&root).expect("opened");
		store.begin(&info(8)).expect("begun");
		for n in 4..7 {
			store.put_chunk(8, n as u32, &chunk(n)).expect("stored");
		}
		store.seal(8, |_, _| [1; 64]).expect("sealed");
		// A bit flipped on disk.
		let path = store.chunk_path(8, 5);
		let mut bytes = fs::read(&path).expect("read");
		let last = bytes.len() - 1;
		bytes[last] ^= 1;
		fs::write(&path, bytes).expect("written");
		assert!(matches!(store.chunk(8, 5), Err(StoreError::Damaged(_))));
		// A well-formed chunk that is not the sealed one.
		store.put_chunk(8, 6, &chunk(99)).expect("stored");
		assert!(matches!(store.chunk(8, 6), Err(StoreError::NotSealedChunk { chunk: 6, .. })));
		assert!(matches!(store.chunk(9, 6), Err(StoreError::UnknownCopy(9))));
		store.remove(8).expect("removed");
		assert!(store.contracts().expect("listed").is_empty());
		fs::remove_dir_all(&root).expect("cleaned");
	}
}
