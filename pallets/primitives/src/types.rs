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
	/// The chain's own work on it failed every retry; it ended cleanly instead of staying
	/// half-served (see the scheduler's `JobFailed` events for why).
	Stalled,
	/// The feed's key signed two conflicting trees (`Plans::FeedForked`).
	FeedForked,
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

	/// Whether the level is reserved for the chain's own protective work (deadlines and
	/// repairs): no user-chosen priority may take it.
	pub fn is_reserved(self) -> bool {
		self == Priority::Critical
	}
}

/// The jobs of the `Plans` pallet.
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
pub enum PlanJob {
	/// A plan's start block came: its contracts begin matching.
	Start(PlanId),
	/// A plan's end block came.
	End(PlanId),
	/// A plan's feed was shown to be forked: the plan ends.
	Forked(PlanId),
}

/// The jobs of the `Hosting` pallet.
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
pub enum HostingJob {
	/// Try matching a contract again after a failed or abandoned try.
	RetryMatching(ContractId),
	/// Attestors had until now to agree on a contract's providers.
	MatchingDeadline(ContractId),
	/// A contract's setup attestor had until now to report.
	SetupDeadline(ContractId),
	/// Try again to refill a contract's vacant positions.
	RetryRepair(ContractId),
}

/// Work the scheduler runs when its block comes: each pallet's own jobs, which that pallet
/// alone executes (see [`crate::JobHandler`]).
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
	/// A job of `Plans`.
	Plans(PlanJob),
	/// A job of `Hosting`.
	Hosting(HostingJob),
}

impl Job {
	/// One job of every kind (with id 0), for checks that must cover them all, such as the
	/// scheduler's `integrity_test` that every worst case fits a block.
	pub fn every_kind() -> [Job; 7] {
		[
			Job::Plans(PlanJob::Start(0)),
			Job::Plans(PlanJob::End(0)),
			Job::Plans(PlanJob::Forked(0)),
			Job::Hosting(HostingJob::RetryMatching(0)),
			Job::Hosting(HostingJob::MatchingDeadline(0)),
			Job::Hosting(HostingJob::SetupDeadline(0)),
			Job::Hosting(HostingJob::RetryRepair(0)),
		]
	}

	/// The position of the job's kind in [`Job::every_kind`]. The match has no wildcard, so a
	/// new kind does not compile until it is listed there too.
	pub fn kind_index(&self) -> usize {
		match self {
			Job::Plans(PlanJob::Start(_)) => 0,
			Job::Plans(PlanJob::End(_)) => 1,
			Job::Plans(PlanJob::Forked(_)) => 2,
			Job::Hosting(HostingJob::RetryMatching(_)) => 3,
			Job::Hosting(HostingJob::MatchingDeadline(_)) => 4,
			Job::Hosting(HostingJob::SetupDeadline(_)) => 5,
			Job::Hosting(HostingJob::RetryRepair(_)) => 6,
		}
	}
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
	/// How many distinct attestors' recent measurements the quality figures combine.
	pub measured_by: u32,
	/// Median latency of the recent measurements, in milliseconds.
	pub latency_ms: u32,
	/// Median bandwidth of the recent measurements, in kilobytes per second.
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
		}
	}

	/// Whether the measured quality meets `minimum`. Quality counts only once `quorum`
	/// distinct attestors measured: until then the provider is unproven and meets any.
	pub fn meets(&self, minimum: &Performance, quorum: u32) -> bool {
		self.measured_by < quorum
			|| (self.latency_ms <= minimum.max_latency_ms
				&& self.bandwidth_kbps >= minimum.min_bandwidth_kbps)
	}
}

/// The median of `values` (the lower middle one of an even count); zero for none.
pub fn median(mut values: alloc::vec::Vec<u32>) -> u32 {
	if values.is_empty() {
		return 0;
	}
	values.sort_unstable();
	values[(values.len() - 1) / 2]
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
	use alloc::vec;

	#[test]
	fn reliability_is_passed_over_issued() {
		let mut r = Rating::default();
		assert_eq!(r.reliability(), Permill::one());
		r.record_challenge(true);
		r.record_challenge(false);
		r.record_challenge(false);
		assert_eq!(r.reliability(), Permill::from_rational(1u32, 3u32));
		r.record_challenge(true);
		assert_eq!(r.reliability(), Permill::from_percent(50));
	}

	#[test]
	fn quality_counts_only_with_a_quorum_of_attestors() {
		let floor = Performance { max_latency_ms: 100, min_bandwidth_kbps: 500 };
		let mut r =
			Rating { latency_ms: 400, bandwidth_kbps: 10, measured_by: 2, ..Default::default() };
		assert!(r.meets(&floor, 3), "two attestors are not yet a quorum");
		r.measured_by = 3;
		assert!(!r.meets(&floor, 3));
		r.latency_ms = 100;
		r.bandwidth_kbps = 500;
		assert!(r.meets(&floor, 3));
	}

	#[test]
	fn the_median_ignores_one_outlier() {
		assert_eq!(median(vec![]), 0);
		assert_eq!(median(vec![7]), 7);
		assert_eq!(median(vec![50, u32::MAX, 40]), 50);
		assert_eq!(median(vec![50, 0, 40, 45]), 40);
	}

	#[test]
	fn every_kind_lists_each_job_kind_once_in_order() {
		for (n, job) in Job::every_kind().iter().enumerate() {
			assert_eq!(job.kind_index(), n);
		}
	}

	#[test]
	fn drain_order_is_most_urgent_first() {
		let mut sorted = Priority::DRAIN_ORDER;
		sorted.sort();
		sorted.reverse();
		assert_eq!(sorted, Priority::DRAIN_ORDER);
		assert_eq!(Priority::DRAIN_ORDER.iter().filter(|p| p.is_reserved()).count(), 1);
	}
}
