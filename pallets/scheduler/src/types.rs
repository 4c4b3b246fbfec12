//! The scheduler's records.

use codec::{Decode, Encode, MaxEncodedLen};
use datdot_primitives::{Job, Priority};
use scale_info::TypeInfo;

/// A job waiting to run.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct ScheduledJob<BlockNumber> {
	/// What to do.
	pub job: Job,
	/// The queue level it runs at.
	pub priority: Priority,
	/// The calendar block that lists it, until it moves to the queue. Cancelling removes that
	/// entry, so a cancelled job frees its slot.
	pub block: Option<BlockNumber>,
	/// How many times it ran and failed.
	pub failures: u32,
}

/// The occupied positions `[head, tail)` of one queue level.
#[derive(Clone, Copy, Default, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct QueueSpan {
	/// The position of the oldest entry.
	pub head: u64,
	/// The position the next entry takes.
	pub tail: u64,
}

impl QueueSpan {
	/// How many entries (live or cancelled) the level holds.
	pub fn len(&self) -> u64 {
		self.tail.saturating_sub(self.head)
	}

	/// Whether the level is empty.
	pub fn is_empty(&self) -> bool {
		self.head >= self.tail
	}
}
