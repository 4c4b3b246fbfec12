//! Benchmark records and the inputs of the benchmark calls.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::fmt::Debug;
use datdot_primitives::{BenchmarkId, ContractId, Region};
use frame_support::{
	traits::Get, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use scale_info::TypeInfo;

/// An open performance benchmark.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(MaxHosters))]
#[codec(mel_bound(AccountId: MaxEncodedLen, BlockNumber: MaxEncodedLen))]
pub struct Benchmark<
	AccountId: Clone + PartialEq + Eq + Debug,
	BlockNumber: Clone + PartialEq + Eq + Debug,
	MaxHosters: Get<u32>,
> {
	/// The contract whose hosters are measured.
	pub contract: ContractId,
	/// The attestor who measures.
	pub attestor: AccountId,
	/// The region the attestor was drawn for: its measurements count there, whatever location
	/// its account names later.
	pub region: Region,
	/// The hosters to measure.
	pub hosters: BoundedVec<AccountId, MaxHosters>,
	/// The last block in which a report counts.
	pub deadline: BlockNumber,
}

/// One benchmark as `ProvidePerformanceBenchmark` announces it.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	DebugNoBound,
)]
#[scale_info(skip_type_params(MaxHosters))]
#[codec(mel_bound(AccountId: MaxEncodedLen))]
pub struct Assigned<AccountId: Clone + PartialEq + Eq + Debug, MaxHosters: Get<u32>> {
	/// The benchmark.
	pub benchmark: BenchmarkId,
	/// The attestor who measures.
	pub attestor: AccountId,
	/// The contract.
	pub contract: ContractId,
	/// The hosters to measure.
	pub hosters: BoundedVec<AccountId, MaxHosters>,
}

/// What `performance_benchmark_request` takes.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct BenchmarkRequest {
	/// The contract whose hosters are measured now.
	pub contract: ContractId,
}

/// One hoster's measurement.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct HosterMeasurement<AccountId> {
	/// The hoster measured.
	pub hoster: AccountId,
	/// Round-trip latency, in milliseconds.
	pub latency_ms: u32,
	/// Bandwidth, in kilobytes per second.
	pub bandwidth_kbps: u32,
	/// The hoster's ed25519 signature over the contact message (see `docs/API.md`).
	pub proof_of_contact: [u8; 64],
}

/// What `performance_benchmark_response` takes.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct BenchmarkReport<AccountId> {
	/// The benchmark answered.
	pub benchmark: u64,
	/// One measurement per hoster of the benchmark.
	pub measurements: Vec<HosterMeasurement<AccountId>>,
}
