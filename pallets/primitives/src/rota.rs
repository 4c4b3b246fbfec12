//! A rota: how a pallet visits the entries of a dense index (`0..len`) at a per-block cost that
//! does not depend on `len`.
//!
//! Each block owes the sweep `len / window` visits (kept as a fraction, so no rounding is lost).
//! The sweep walks the index in order from a cursor, at most `budget` entries per block, and
//! starts a new round at the end: while the budget keeps up, every entry is visited once per
//! `window` blocks. Whatever budget the sweep leaves goes to random visits, as many as the
//! sweep's (the caller draws which entries), so each entry is also visited once per window on
//! average, at a time nobody can foresee. A block that owes the sweep more than the budget
//! visits `budget` entries and reports the rest as `behind`.
//!
//! Entries are removed by moving others into their slot ([`Rota::removal`]), keeping the
//! entries the sweep already visited this round below the cursor and the others at or above it:
//! a removal never makes the sweep skip an entry or visit one twice in a round. New entries go
//! at the end, so the current round still reaches them.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Where a rota stands.
#[derive(
	Clone,
	Copy,
	Default,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct Rota {
	/// The next index the sweep visits; the entries below it were visited this round.
	pub cursor: u32,
	/// Sweep visits owed and not made yet, in `1 / window` visits.
	pub owed: u64,
	/// Visits the last block owed beyond its budget: 0 while the budget keeps up.
	pub behind: u32,
}

/// What one block of a rota does.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct Turn {
	/// Entries the sweep visits, from the cursor on.
	pub sweep: u32,
	/// Entries drawn at random.
	pub random: u32,
	/// Sweep visits owed beyond the budget.
	pub behind: u32,
}

impl Turn {
	/// Every visit of the block.
	pub fn visits(&self) -> u32 {
		self.sweep.saturating_add(self.random)
	}
}

impl Rota {
	/// Accrues one block's visits of `len` entries, to be swept once per `window` blocks, and
	/// splits `budget` visits between the sweep and random draws.
	pub fn turn(&mut self, len: u32, window: u32, budget: u32) -> Turn {
		let window = u64::from(window.max(1));
		// More than a round (or a budget) behind is not carried: a round starts over anyway.
		let cap = u64::from(len.max(budget)).saturating_mul(window);
		self.owed = self.owed.saturating_add(u64::from(len)).min(cap);
		let due = self.owed / window;
		let sweep = due.min(u64::from(budget)) as u32;
		self.owed = self.owed.saturating_sub(u64::from(sweep).saturating_mul(window));
		let behind = due.saturating_sub(u64::from(sweep)).min(u64::from(u32::MAX)) as u32;
		self.behind = behind;
		let random = sweep.min(budget.saturating_sub(sweep));
		Turn { sweep, random, behind }
	}

	/// The next index the sweep visits among `len` entries, starting a new round after the
	/// last; `None` when there are none.
	pub fn next(&mut self, len: u32) -> Option<u32> {
		if len == 0 {
			return None;
		}
		if self.cursor >= len {
			self.cursor = 0;
		}
		let index = self.cursor;
		self.cursor = self.cursor.saturating_add(1);
		Some(index)
	}

	/// Removes entry `index` of `len` (`index < len`): the moves `(from, to)` that fill its
	/// slot, in order, after which slot `len - 1` is free. An entry visited this round moves
	/// only to a slot below the cursor, an entry not visited only to one at or above it.
	pub fn removal(&mut self, index: u32, len: u32) -> [Option<(u32, u32)>; 2] {
		let last = len.saturating_sub(1);
		let mut hole = index;
		let mut first = None;
		if hole < self.cursor {
			// The last visited entry fills the hole; its own slot joins the unvisited ones.
			let visited = self.cursor.saturating_sub(1);
			if visited != hole {
				first = Some((visited, hole));
			}
			hole = visited;
			self.cursor = visited;
		}
		let second = (hole != last).then_some((last, hole));
		[first, second]
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use alloc::{vec, vec::Vec};

	/// Applies a removal to a vector standing for the index.
	fn remove(rota: &mut Rota, entries: &mut Vec<u32>, index: u32) {
		let len = entries.len() as u32;
		for (from, to) in rota.removal(index, len).into_iter().flatten() {
			entries[to as usize] = entries[from as usize];
		}
		entries.pop();
	}

	#[test]
	fn keeping_up_visits_every_entry_once_per_window() {
		let (len, window) = (37u32, 10u32);
		let mut rota = Rota::default();
		let mut visits = vec![0u32; len as usize];
		for _ in 0..window * 3 {
			let turn = rota.turn(len, window, 64);
			assert_eq!(turn.behind, 0);
			for _ in 0..turn.sweep {
				visits[rota.next(len).unwrap() as usize] += 1;
			}
		}
		assert!(visits.iter().all(|v| *v == 3), "{visits:?}");
	}

	#[test]
	fn random_visits_take_what_the_sweep_leaves_up_to_its_own_rate() {
		let mut rota = Rota::default();
		let (mut sweep, mut random) = (0u32, 0u32);
		for _ in 0..1000 {
			let turn = rota.turn(5, 100, 64);
			sweep += turn.sweep;
			random += turn.random;
		}
		assert_eq!((sweep, random), (50, 50));
		// 4,000 entries in 100 blocks: 40 sweep visits a block, 24 left for random ones.
		let mut rota = Rota::default();
		assert_eq!(rota.turn(4_000, 100, 64), Turn { sweep: 40, random: 24, behind: 0 });
	}

	#[test]
	fn a_budget_too_small_reports_the_shortfall() {
		let mut rota = Rota::default();
		let turn = rota.turn(1_000_000, 100, 64);
		assert_eq!(turn, Turn { sweep: 64, random: 0, behind: 10_000 - 64 });
		assert_eq!(rota.behind, 10_000 - 64);
		// What cannot be made up is not carried beyond one round.
		for _ in 0..1000 {
			rota.turn(1_000_000, 100, 64);
		}
		assert!(rota.owed <= 1_000_000 * 100);
	}

	#[test]
	fn small_indexes_wrap_within_a_block() {
		let mut rota = Rota { owed: 64 * 100, ..Default::default() };
		let turn = rota.turn(10, 100, 64);
		assert_eq!(turn.sweep, 64);
		let visited: Vec<u32> = (0..turn.sweep).map(|_| rota.next(10).unwrap()).collect();
		assert_eq!(&visited[..12], &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
	}

	#[test]
	fn removals_never_skip_or_repeat_an_entry_in_a_round() {
		// Every removal place, with the cursor everywhere.
		for len in 1u32..8 {
			for cursor in 0..=len {
				for index in 0..len {
					let mut rota = Rota { cursor, ..Default::default() };
					let mut entries: Vec<u32> = (0..len).collect();
					let visited: Vec<u32> = (0..cursor).collect();
					remove(&mut rota, &mut entries, index);
					assert_eq!(entries.len() as u32, len - 1);
					assert!(!entries.contains(&index));
					for (slot, entry) in entries.iter().enumerate() {
						let below = (slot as u32) < rota.cursor;
						assert_eq!(
							below,
							visited.contains(entry),
							"len {len} cursor {cursor} index {index}: {entries:?} cursor now {}",
							rota.cursor
						);
					}
				}
			}
		}
	}
}
