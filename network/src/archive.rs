//! What `datdot publish` puts in a feed: a file or a directory tree as one byte stream.
//!
//! The stream is `SCALE(Manifest)` followed by the contents of every entry in manifest order;
//! the feed holds it cut into blocks. `datdot get` reads the manifest back from the stream's
//! start and writes each entry under the output path. Paths are relative, `/`-separated, and
//! never leave the output directory.

use codec::{Decode, Encode};
use std::path::{Component, Path, PathBuf};

/// The version of the format.
pub const VERSION: u8 = 1;

/// A manifest names too many entries or bytes to be real.
const MAX_ENTRIES: usize = 1 << 20;

/// The entries of a stream, in order.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct Manifest {
	/// [`VERSION`].
	pub version: u8,
	/// Whether the stream holds a directory (entries under the output directory) or one file
	/// (written at the output path).
	pub directory: bool,
	/// The entries.
	pub entries: Vec<Entry>,
}

/// One file of a stream.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct Entry {
	/// Its path relative to the published directory (`/`-separated), or the file's name.
	pub path: String,
	/// Its size in bytes.
	pub size: u64,
}

/// Why a stream could not be made or read.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
	/// Reading or writing the file system failed.
	#[error("{path}: {source}")]
	Io {
		/// Which path.
		path: PathBuf,
		/// What failed.
		source: std::io::Error,
	},
	/// The stream does not start with a manifest of this format.
	#[error("the data is not a DatDot archive (version {VERSION}): {0}")]
	BadManifest(String),
	/// An entry's path would leave the output directory.
	#[error("the archive names an unsafe path: {0:?}")]
	UnsafePath(String),
	/// The stream is shorter or longer than its manifest says.
	#[error("the archive holds {actual} bytes after its manifest, its manifest names {expected}")]
	WrongSize {
		/// What the manifest names.
		expected: u64,
		/// What the stream holds.
		actual: u64,
	},
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ArchiveError + '_ {
	move |source| ArchiveError::Io { path: path.to_path_buf(), source }
}

/// The stream of the file or directory at `path`.
pub fn pack(path: &Path) -> Result<Vec<u8>, ArchiveError> {
	let meta = std::fs::metadata(path).map_err(io(path))?;
	let mut files = Vec::new();
	let directory = meta.is_dir();
	if directory {
		collect(path, path, &mut files)?;
		files.sort();
	} else {
		let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
		files.push((name, path.to_path_buf()));
	}
	let mut entries = Vec::with_capacity(files.len());
	let mut contents = Vec::new();
	for (name, file) in &files {
		let bytes = std::fs::read(file).map_err(io(file))?;
		entries.push(Entry { path: name.clone(), size: bytes.len() as u64 });
		contents.extend_from_slice(&bytes);
	}
	let mut stream = Manifest { version: VERSION, directory, entries }.encode();
	stream.extend_from_slice(&contents);
	Ok(stream)
}

/// Every file under `dir`, as (path relative to `root` with `/`, path).
fn collect(
	root: &Path,
	dir: &Path,
	files: &mut Vec<(String, PathBuf)>,
) -> Result<(), ArchiveError> {
	for entry in std::fs::read_dir(dir).map_err(io(dir))? {
		let entry = entry.map_err(io(dir))?;
		let path = entry.path();
		let kind = entry.file_type().map_err(io(&path))?;
		if kind.is_dir() {
			collect(root, &path, files)?;
		} else if kind.is_file() {
			let relative = path.strip_prefix(root).unwrap_or(&path);
			let name: Vec<String> = relative
				.components()
				.map(|c| c.as_os_str().to_string_lossy().into_owned())
				.collect();
			files.push((name.join("/"), path));
		}
	}
	Ok(())
}

/// Reads the manifest at the start of `stream`; returns it and where the contents begin.
pub fn manifest(stream: &[u8]) -> Result<(Manifest, usize), ArchiveError> {
	let mut input = stream;
	let manifest =
		Manifest::decode(&mut input).map_err(|e| ArchiveError::BadManifest(e.to_string()))?;
	if manifest.version != VERSION {
		return Err(ArchiveError::BadManifest(format!("version {}", manifest.version)));
	}
	if manifest.entries.len() > MAX_ENTRIES {
		return Err(ArchiveError::BadManifest(format!("{} entries", manifest.entries.len())));
	}
	for entry in &manifest.entries {
		safe_path(&entry.path)?;
	}
	Ok((manifest, stream.len() - input.len()))
}

/// `path` as a relative path that stays under the directory it is joined to.
fn safe_path(path: &str) -> Result<PathBuf, ArchiveError> {
	let relative = PathBuf::from(path);
	let safe = !path.is_empty() && relative.components().all(|c| matches!(c, Component::Normal(_)));
	if safe {
		Ok(relative)
	} else {
		Err(ArchiveError::UnsafePath(path.to_string()))
	}
}

/// Writes the entries of `stream` at `out`: the file itself, or the directory's files under it.
/// Returns the manifest.
pub fn unpack(stream: &[u8], out: &Path) -> Result<Manifest, ArchiveError> {
	let (manifest, start) = manifest(stream)?;
	let contents = &stream[start..];
	let expected = manifest.entries.iter().map(|e| e.size).fold(0u64, u64::saturating_add);
	if expected != contents.len() as u64 {
		return Err(ArchiveError::WrongSize { expected, actual: contents.len() as u64 });
	}
	let mut at = 0usize;
	for entry in &manifest.entries {
		let target =
			if manifest.directory { out.join(safe_path(&entry.path)?) } else { out.to_path_buf() };
		if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
			std::fs::create_dir_all(parent).map_err(io(parent))?;
		}
		let end = at + entry.size as usize;
		std::fs::write(&target, &contents[at..end]).map_err(io(&target))?;
		at = end;
	}
	Ok(manifest)
}

#[cfg(test)]
mod tests {
	use super::*;

	fn temp(name: &str) -> PathBuf {
		let dir =
			std::env::temp_dir().join(format!("datdot-archive-{name}-{}", std::process::id()));
		let _ = std::fs::remove_dir_all(&dir);
		std::fs::create_dir_all(&dir).expect("a temp dir");
		dir
	}

	#[test]
	fn a_file_round_trips() {
		let dir = temp("file");
		let file = dir.join("notes.txt");
		std::fs::write(&file, b"hello datdot").expect("written");
		let stream = pack(&file).expect("packed");
		let out = dir.join("copy.txt");
		let manifest = unpack(&stream, &out).expect("unpacked");
		assert!(!manifest.directory);
		assert_eq!(manifest.entries, vec![Entry { path: "notes.txt".into(), size: 12 }]);
		assert_eq!(std::fs::read(&out).expect("read"), b"hello datdot");
		std::fs::remove_dir_all(&dir).expect("cleaned");
	}

	#[test]
	fn a_directory_round_trips() {
		let dir = temp("dir");
		let src = dir.join("src");
		std::fs::create_dir_all(src.join("a/b")).expect("dirs");
		std::fs::write(src.join("top"), vec![1u8; 70_000]).expect("written");
		std::fs::write(src.join("a/b/deep"), b"deep").expect("written");
		std::fs::write(src.join("a/empty"), b"").expect("written");
		let stream = pack(&src).expect("packed");
		let out = dir.join("out");
		let manifest = unpack(&stream, &out).expect("unpacked");
		assert!(manifest.directory);
		let paths: Vec<&str> = manifest.entries.iter().map(|e| e.path.as_str()).collect();
		assert_eq!(paths, vec!["a/b/deep", "a/empty", "top"]);
		assert_eq!(std::fs::read(out.join("top")).expect("read"), vec![1u8; 70_000]);
		assert_eq!(std::fs::read(out.join("a/b/deep")).expect("read"), b"deep");
		assert_eq!(std::fs::read(out.join("a/empty")).expect("read"), b"");
		std::fs::remove_dir_all(&dir).expect("cleaned");
	}

	#[test]
	fn unsafe_paths_and_wrong_sizes_are_refused() {
		for path in ["../escape", "/etc/passwd", "", "a/../../b"] {
			let entries = vec![Entry { path: path.into(), size: 0 }];
			let stream = Manifest { version: VERSION, directory: true, entries }.encode();
			assert!(matches!(manifest(&stream), Err(ArchiveError::UnsafePath(_))), "{path}");
		}
		let entries = vec![Entry { path: "f".into(), size: 5 }];
		let mut stream = Manifest { version: VERSION, directory: false, entries }.encode();
		stream.extend_from_slice(b"four");
		let out = temp("size").join("f");
		assert!(matches!(
			unpack(&stream, &out),
			Err(ArchiveError::WrongSize { expected: 5, actual: 4 })
		));
		assert!(matches!(manifest(b"\x07"), Err(ArchiveError::BadManifest(_))));
	}
}
