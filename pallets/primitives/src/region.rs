//! Regions: geohash prefixes.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{traits::ConstU32, BoundedVec};
use scale_info::TypeInfo;

/// The longest region: 8 geohash characters (about 38 m × 19 m).
pub const MAX_REGION_LEN: u32 = 8;

/// The geohash base32 alphabet (no `a`, `i`, `l`, `o`).
const GEOHASH_ALPHABET: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";

/// Why bytes are not a region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegionError {
	/// No characters.
	Empty,
	/// More than [`MAX_REGION_LEN`] characters.
	TooLong,
	/// A character outside the geohash alphabet.
	BadCharacter,
}

/// A geohash prefix of 1 to 8 characters, e.g. `u3` or `u33dc`.
///
/// A location (a long geohash) lies in a region when it starts with the region: `u33dc` lies in
/// `u3` and in `u`. Values are only built through [`Region::new`], so a stored `Region` is valid.
/// SCALE-encoded as the bytes of its characters (polkadot.js: a string such as `"u33dc"`).
#[derive(
	Clone,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct Region(BoundedVec<u8, ConstU32<MAX_REGION_LEN>>);

impl Region {
	/// Validates `bytes` as a geohash prefix.
	pub fn new(bytes: &[u8]) -> Result<Self, RegionError> {
		if bytes.is_empty() {
			return Err(RegionError::Empty);
		}
		if bytes.iter().any(|c| !GEOHASH_ALPHABET.contains(c)) {
			return Err(RegionError::BadCharacter);
		}
		BoundedVec::try_from(bytes.to_vec()).map(Region).map_err(|_| RegionError::TooLong)
	}

	/// Checks a value that came in through SCALE decoding (which does not validate).
	pub fn validate(&self) -> Result<(), RegionError> {
		Self::new(&self.0).map(|_| ())
	}

	/// The characters.
	pub fn as_bytes(&self) -> &[u8] {
		&self.0
	}

	/// The number of characters, 1 to 8.
	pub fn len(&self) -> usize {
		self.0.len()
	}

	/// Never true for a validated region; here for clippy's `len_without_is_empty`.
	pub fn is_empty(&self) -> bool {
		self.0.is_empty()
	}

	/// Whether `location` lies in this region (starts with it).
	pub fn contains(&self, location: &Region) -> bool {
		location.0.starts_with(&self.0)
	}

	/// The region of the first `len` characters (all of it when `len` is longer).
	pub fn truncate(&self, len: usize) -> Region {
		let mut inner = self.0.clone();
		inner.truncate(len.max(1));
		Region(inner)
	}

	/// Every prefix of this region, shortest first: `u33` → `u`, `u3`, `u33`.
	pub fn prefixes(&self) -> impl Iterator<Item = Region> + '_ {
		(1..=self.0.len()).map(move |len| self.truncate(len))
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn accepts_geohash_prefixes_of_one_to_eight_characters() {
		assert!(Region::new(b"u").is_ok());
		assert!(Region::new(b"u33dc").is_ok());
		assert!(Region::new(b"0123bcde").is_ok());
	}

	#[test]
	fn rejects_empty_long_and_foreign_characters() {
		assert_eq!(Region::new(b""), Err(RegionError::Empty));
		assert_eq!(Region::new(b"u33dcu33d"), Err(RegionError::TooLong));
		for bad in [&b"a"[..], b"i", b"l", b"o", b"U", b"u3 ", b"-"] {
			assert_eq!(Region::new(bad), Err(RegionError::BadCharacter), "{bad:?}");
		}
	}

	#[test]
	fn a_region_contains_the_locations_that_start_with_it() {
		let u3 = Region::new(b"u3").unwrap();
		assert!(u3.contains(&Region::new(b"u33dc").unwrap()));
		assert!(u3.contains(&u3));
		assert!(!u3.contains(&Region::new(b"u").unwrap()));
		assert!(!u3.contains(&Region::new(b"u43dc").unwrap()));
	}

	#[test]
	fn prefixes_run_shortest_first() {
		let r = Region::new(b"u33").unwrap();
		let prefixes: Vec<_> = r.prefixes().map(|p| p.as_bytes().to_vec()).collect();
		assert_eq!(prefixes, vec![b"u".to_vec(), b"u3".to_vec(), b"u33".to_vec()]);
		assert_eq!(r.truncate(0).as_bytes(), b"u");
		assert_eq!(r.truncate(9).as_bytes(), b"u33");
	}

	#[test]
	fn decoding_does_not_validate_but_validate_does() {
		let bogus = Region(BoundedVec::try_from(b"ai".to_vec()).unwrap()).encode();
		let decoded = Region::decode(&mut &bogus[..]).unwrap();
		assert_eq!(decoded.validate(), Err(RegionError::BadCharacter));
	}
}
