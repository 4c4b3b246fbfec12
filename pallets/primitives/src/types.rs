//! Records shared between pallets.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::fmt::Debug;
use scale_info::TypeInfo;
use sp_runtime::Permill;

/// A hosting plan.
pub type PlanId = u64;
/// A contract: one chunk range of a plan, hosted by a set of hosters.
pub type ContractId = u64;
/// A scheduled job.
pub type JobId = u64;
/// A storage challenge.
pub type ChallengeId = u64;
/// A performance benchmark.
pub type BenchmarkId = u64;
/// A chunk index or count within a feed.
pub type ChunkIndex = u32;

/// What a provider does.
#[derive(
	Clone,
	Copy,
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
pub enum Role {
	/// Stores a contract's chunks and answers storage challenges.
	Hoster,
	/// Encodes a range once for each hoster, so every hoster holds a unique copy.
	Encoder,
	/// Selects providers, checks setups and measures hosters.
	Attestor,
}

impl Role {
	/// Every role.
	pub const ALL: [Role; 3] = [Role::Hoster, Role::Encoder, Role::Attestor];
}

/// A half-open range of chunks `[start, end)` of a feed.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct ChunkRange {
	/// The first chunk.
	pub start: ChunkIndex,
	/// One past the last chunk.
	pub end: ChunkIndex,
}

impl ChunkRange {
	/// The number of chunks; zero for an empty or inverted range.
	pub fn len(&self) -> ChunkIndex {
		self.end.saturating_sub(self.start)
	}

	/// Whether the range holds no chunk.
	pub fn is_empty(&self) -> bool {
		self.len() == 0
	}
}

/// Where a contract is in its life.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum ContractStatus {
	/// Waiting for its plan's start, or for attestors to agree on providers.
	Matching,
	/// Providers booked; encoders and the setup attestor are at work.
	SettingUp,
	/// Hosted and challenged.
	Active,
	/// Its plan is paused: no challenges, no benchmarks.
	Paused,
	/// Some positions are being handed to new providers.
	Repairing,
}

/// Why a plan or contract ended.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum EndReason {
	/// The sponsor unsubscribed.
	Unsubscribed,
	/// The plan's end block came.
	Expired,
	/// No providers could be matched within the allowed tries.
	Unmatchable,
	/// A position could not be refilled within the allowed tries.
	Unrepairable,
}

/// How urgent a job is: the queue runs higher levels first, FIFO within a level.
#[derive(
	Clone,
	Copy,
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
pub enum Priority {
	/// Background work.
	Low,
	/// Most plan work.
	Normal,
	/// Plans their sponsors marked urgent.
	High,
	/// Deadlines and repairs: they protect data already hosted.
	Critical,
}

impl Priority {
	/// Every level, most urgent first: the order in which the queue is drained.
	pub const DRAIN_ORDER: [Priority; 4] =
		[Priority::Critical, Priority::High, Priority::Normal, Priority::Low];

	/// The level's slot in per-level storage.
	pub fn index(self) -> u8 {
		self as u8
	}
}

/// Work the scheduler runs when its block comes. Each names the record it acts on; the pallet
/// that owns the record executes it.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum Job {
	/// A plan's start block came: draw attestors for its contracts.
	StartPlan(PlanId),
	/// Try matching a contract again after a failed try.
	RetryMatching(ContractId),
	/// Attestors had until now to agree on a contract's providers.
	MatchingDeadline(ContractId),
	/// A contract's setup attestor had until now to report.
	SetupDeadline(ContractId),
	/// Try again to refill a contract's vacant positions.
	RetryRepair(ContractId),
	/// Time for a contract's periodic storage challenge.
	StorageChallenge(ContractId),
	/// A storage challenge had until now to be answered.
	ChallengeDeadline(ChallengeId),
	/// Time for a contract's periodic performance benchmark.
	PerformanceBenchmark(ContractId),
	/// A performance benchmark had until now to be answered.
	BenchmarkDeadline(BenchmarkId),
	/// A plan's end block came.
	PlanEnd(PlanId),
}

/// What the network thinks of a provider, as seen from one region.
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
pub struct Rating {
	/// Storage challenges issued.
	pub challenges_issued: u32,
	/// Storage challenges passed.
	pub challenges_passed: u32,
	/// Storage challenges failed in a row (reset by a pass).
	pub consecutive_failures: u32,
	/// Performance measurements taken.
	pub benchmarks: u32,
	/// Mean measured latency, in milliseconds.
	pub latency_ms: u32,
	/// Mean measured bandwidth, in kilobytes per second.
	pub bandwidth_kbps: u32,
}

impl Rating {
	/// Passed over issued challenges; a provider never challenged counts as fully reliable.
	pub fn reliability(&self) -> Permill {
		if self.challenges_issued == 0 {
			Permill::one()
		} else {
			Permill::from_rational(self.challenges_passed, self.challenges_issued)
		}
	}

	/// Counts one challenge outcome.
	pub fn record_challenge(&mut self, passed: bool) {
		self.challenges_issued = self.challenges_issued.saturating_add(1);
		if passed {
			self.challenges_passed = self.challenges_passed.saturating_add(1);
			self.consecutive_failures = 0;
		} else {
			self.consecutive_failures = self.consecutive_failures.saturating_add(1);
		}
	}

	/// Folds one measurement into the running means.
	pub fn record_measurement(&mut self, latency_ms: u32, bandwidth_kbps: u32) {
		let n = u64::from(self.benchmarks);
		let mean = |old: u32, new: u32| -> u32 {
			let total = u64::from(old).saturating_mul(n).saturating_add(u64::from(new));
			u32::try_from(total / (n + 1)).unwrap_or(u32::MAX)
		};
		self.latency_ms = mean(self.latency_ms, latency_ms);
		self.bandwidth_kbps = mean(self.bandwidth_kbps, bandwidth_kbps);
		self.benchmarks = self.benchmarks.saturating_add(1);
	}

	/// Whether measured quality meets a minimum; an unmeasured provider meets any.
	pub fn meets(&self, minimum: &Performance) -> bool {
		self.benchmarks == 0
			|| (self.latency_ms <= minimum.max_latency_ms
				&& self.bandwidth_kbps >= minimum.min_bandwidth_kbps)
	}
}

/// A minimum performance a plan asks of its hosters.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct Performance {
	/// The highest acceptable mean latency, in milliseconds.
	pub max_latency_ms: u32,
	/// The lowest acceptable mean bandwidth, in kilobytes per second.
	pub min_bandwidth_kbps: u32,
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn reliability_is_passed_over_issued() {
		let mut r = Rating::default();
		assert_eq!(r.reliability(), Permill::one());
		r.record_challenge(true);
		r.record_challenge(false);
		r.record_challenge(false);
		assert_eq!(r.consecutive_failures, 2);
		assert_eq!(r.reliability(), Permill::from_rational(1u32, 3u32));
		r.record_challenge(true);
		assert_eq!(r.consecutive_failures, 0);
		assert_eq!(r.reliability(), Permill::from_percent(50));
	}

	#[test]
	fn measurements_form_running_means() {
		let mut r = Rating::default();
		let floor = Performance { max_latency_ms: 100, min_bandwidth_kbps: 500 };
		assert!(r.meets(&floor));
		r.record_measurement(50, 1000);
		r.record_measurement(150, 0);
		assert_eq!((r.latency_ms, r.bandwidth_kbps, r.benchmarks), (100, 500, 2));
		assert!(r.meets(&floor));
		r.record_measurement(400, 500);
		assert!(!r.meets(&floor));
	}

	#[test]
	fn drain_order_is_most_urgent_first() {
		let mut sorted = Priority::DRAIN_ORDER;
		sorted.sort();
		sorted.reverse();
		assert_eq!(sorted, Priority::DRAIN_ORDER);
	}
}
