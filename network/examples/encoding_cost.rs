//! What hosters' copies cost on this machine (`docs/BENCHMARKS.md`, "Hosters' copies"):
//!
//! ```text
//! cargo run --release -p datdot-network --example encoding_cost -- [MiB, default 100]
//! ```
//!
//! Prints the time to build a feed of that size, to encode it under one copy key, to compute the
//! copy's commitment, and to re-encode one challenged block with its path from plain data and
//! the copy's leaves: what a hoster that keeps no copy would need before a challenge's deadline.

use datdot_network::feed::{Feed, BLOCK_SIZE};
use datdot_primitives::encoding;
use sp_core::{ed25519, Pair, H256};
use std::time::{Duration, Instant};

/// `ChallengeTimeout` of the runtime: 20 blocks of 6 s.
const CHALLENGE_DEADLINE: Duration = Duration::from_secs(120);

fn main() {
	let mib: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100);
	let data: Vec<u8> = (0..mib * 1024 * 1024)
		.map(|n| (n as u32).wrapping_mul(2_654_435_761).to_le_bytes()[3])
		.collect();
	let pair = ed25519::Pair::from_seed(&[1; 32]);

	let start = Instant::now();
	let feed = Feed::from_bytes(&pair, &data);
	let build = start.elapsed();

	let key = encoding::copy_key(&[0; 32], 1, &[2u8; 32], &H256::repeat_byte(3));
	let start = Instant::now();
	let mut leaves = Vec::with_capacity(feed.length() as usize);
	for index in 0..feed.length() {
		let block = feed.block(index).expect("a block of the feed");
		leaves.push(encoding::leaf(&encoding::encode_block(&key, index, block)));
	}
	let encode = start.elapsed();

	let start = Instant::now();
	let commitment = encoding::commitment(&leaves);
	let commit = start.elapsed();

	// One challenged block answered on demand: encode it and walk its path.
	let index = feed.length() / 2;
	let start = Instant::now();
	let encoded = encoding::encode_block(&key, index, feed.block(index).expect("a block"));
	let path = encoding::commitment_path(&leaves, index as u32).expect("a leaf");
	let one = start.elapsed();
	let range = datdot_primitives::ChunkRange { start: 0, end: feed.length() as u32 };
	assert!(encoding::in_commitment(&commitment, range, index as u32, &encoded, &path));

	let mb = data.len() as f64 / 1e6;
	println!(
		"data                 {mib} MiB, {} blocks of {} KiB",
		feed.length(),
		BLOCK_SIZE / 1024
	);
	println!("feed (tree, signed)  {build:.2?} ({:.0} MB/s)", mb / build.as_secs_f64());
	println!("encode + leaves      {encode:.2?} ({:.0} MB/s)", mb / encode.as_secs_f64());
	println!("commitment           {commit:.2?}");
	println!(
		"one block on demand  {one:.2?} (encode + path): {:.0}x inside the {CHALLENGE_DEADLINE:?} deadline",
		CHALLENGE_DEADLINE.as_secs_f64() / one.as_secs_f64().max(1e-9)
	);
	println!(
		"whole copy on demand {:.2?}: {:.1}x inside the deadline",
		encode + commit,
		CHALLENGE_DEADLINE.as_secs_f64() / (encode + commit).as_secs_f64()
	);
}
