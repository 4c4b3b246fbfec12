//! Benchmarks of the plan calls and of a plan's end, run on the real runtime.

use super::*;
use alloc::vec;
use alloc::vec::Vec;
use datdot_primitives::{
	feed::{benchmark_feed, FeedKey, SignedTree, Signer, TreeBuilder, MAX_LENGTH},
	AccountDirectory, BenchmarkHelper, ChunkRange, Job, JobHandler, Performance, PlanJob, Priority,
};
use frame_benchmarking::v2::*;
use frame_support::traits::Get;
use frame_system::RawOrigin;

const REGION: &[u8] = b"u33d";

/// `log` at fork 0, signed by `feed_owner`'s account key.
fn signed<T: Config, F: Fn(u64) -> Vec<u8>>(
	feed_owner: &T::AccountId,
	log: &TreeBuilder<F>,
) -> SignedTree {
	SignedTree {
		length: log.length(),
		fork: 0,
		roots: log.roots(),
		signature: T::BenchmarkHelper::sign(feed_owner, &log.signable(0)),
	}
}

/// The key of `feed_owner`'s account, which signs the benchmark feeds.
fn feed_key<T: Config>(feed_owner: &T::AccountId) -> Result<[u8; 32], BenchmarkError> {
	T::BenchmarkHelper::account(feed_owner, REGION);
	T::Accounts::signing_key(feed_owner).ok_or(BenchmarkError::Stop("no key"))
}

/// A plan hosting `chunks` blocks of `log`, signed by `feed_owner`'s account key.
fn plan_of<T: Config, F: Fn(u64) -> Vec<u8>>(
	feed_owner: &T::AccountId,
	log: &TreeBuilder<F>,
	chunks: u32,
) -> Result<PlanInput<frame_system::pallet_prelude::BlockNumberFor<T>>, BenchmarkError> {
	let feed = FeedInput {
		key: feed_key::<T>(feed_owner)?,
		signer: Signer::Compat,
		tree: signed::<T, F>(feed_owner, log),
	};
	Ok(PlanInput {
		feed,
		ranges: vec![ChunkRange { start: 0, end: chunks }],
		regions: vec![REGION.to_vec()],
		hosters: Some(T::MaxHostersPerContract::get()),
		// The benchmark may run in a later block than its setup.
		start: frame_system::Pallet::<T>::block_number() + 10u32.into(),
		end: Some(frame_system::Pallet::<T>::block_number() + 1_000u32.into()),
		min_performance: Performance { max_latency_ms: 500, min_bandwidth_kbps: 100 },
		priority: Priority::Normal,
	})
}

/// A plan of `c` contracts on a feed of the most roots (2^53 − 1 blocks).
fn plan_input<T: Config>(
	feed_owner: &T::AccountId,
	c: u32,
) -> Result<PlanInput<frame_system::pallet_prelude::BlockNumberFor<T>>, BenchmarkError> {
	let chunks = c.saturating_mul(T::MaxChunksPerContract::get());
	plan_of::<T, _>(feed_owner, &benchmark_feed(MAX_LENGTH, 64), chunks)
}

fn published<T: Config>(sponsor: &T::AccountId, c: u32) -> datdot_primitives::PlanId {
	T::BenchmarkHelper::plan(
		sponsor,
		c,
		T::MaxHostersPerContract::get(),
		REGION,
		u64::from(c) * 100,
		64,
	)
}

/// A plan of `c` contracts, each active with the most hosters, each hoster with an open
/// challenge and each contract with an open benchmark: the most a pause or an end undoes.
fn active<T: Config>(sponsor: &T::AccountId, c: u32) -> datdot_primitives::PlanId {
	T::BenchmarkHelper::active_plan(
		sponsor,
		c,
		T::MaxHostersPerContract::get(),
		REGION,
		u64::from(c) * 100,
		64,
	)
}

/// Moves past the plan's change cooldown.
fn cool_down<T: Config>() {
	let now = frame_system::Pallet::<T>::block_number();
	frame_system::Pallet::<T>::set_block_number(now + T::ChangeCooldown::get());
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn plan_subscribe(
		c: Linear<1, { T::MaxContractsPerPlan::get() }>,
	) -> Result<(), BenchmarkError> {
		let sponsor: T::AccountId = account("sponsor", 0, 0);
		let input = plan_input::<T>(&sponsor, c)?;
		#[extrinsic_call]
		_(RawOrigin::Signed(sponsor.clone()), input);
		assert_eq!(SponsorPlans::<T>::get(&sponsor), 1);
		Ok(())
	}

	#[benchmark]
	fn plan_update() {
		let sponsor: T::AccountId = account("sponsor", 0, 0);
		let plan = published::<T>(&sponsor, 1);
		cool_down::<T>();
		let update = PlanUpdate {
			end: Some(Some(frame_system::Pallet::<T>::block_number() + 2_000u32.into())),
			priority: Some(Priority::High),
			min_performance: Some(Performance { max_latency_ms: 100, min_bandwidth_kbps: 1_000 }),
			upgrade: None,
		};
		#[extrinsic_call]
		_(RawOrigin::Signed(sponsor), plan, update);
		assert_eq!(Plans::<T>::get(plan).map(|p| p.priority), Some(Priority::High));
	}

	/// A plan on a one-block feed grows to the longest feed (the most upgrade nodes: 52
	/// siblings, then 52 more roots) and hosts `c` more contracts.
	#[benchmark]
	fn plan_upgrade(
		c: Linear<1, { T::MaxContractsPerPlan::get() - 1 }>,
	) -> Result<(), BenchmarkError> {
		let sponsor: T::AccountId = account("sponsor", 0, 0);
		let plan = T::BenchmarkHelper::plan(&sponsor, 1, 1, REGION, 1, 64);
		cool_down::<T>();
		let grown = benchmark_feed(MAX_LENGTH, 64);
		let chunks = c.saturating_mul(T::MaxChunksPerContract::get());
		let update = PlanUpdate {
			end: None,
			priority: None,
			min_performance: None,
			upgrade: Some(FeedUpgrade {
				length: MAX_LENGTH,
				nodes: grown.upgrade_nodes(1),
				signature: T::BenchmarkHelper::sign(&sponsor, &grown.signable(0)),
				ranges: vec![ChunkRange { start: 1, end: 1 + chunks }],
			}),
		};
		#[extrinsic_call]
		plan_update(RawOrigin::Signed(sponsor), plan, update);
		assert_eq!(
			Plans::<T>::get(plan).map(|p| (p.feed.length, p.contracts)),
			Some((MAX_LENGTH, 1 + c))
		);
		Ok(())
	}

	/// `p` plans of one feed; the evidence is a one-block tree and the longest tree, whose
	/// first block differs, with the deepest node proof.
	#[benchmark]
	fn feed_fork_report(p: Linear<0, { T::MaxPlansPerFeed::get() }>) -> Result<(), BenchmarkError> {
		let owner: T::AccountId = account("feed owner", 0, 0);
		let key = feed_key::<T>(&owner)?;
		let short = benchmark_feed(1, 64);
		for n in 0..p {
			let sponsor: T::AccountId = account("sponsor", n, 0);
			T::BenchmarkHelper::account(&sponsor, REGION);
			Pallet::<T>::do_subscribe(sponsor, plan_of::<T, _>(&owner, &short, 1)?)?;
		}
		let long = TreeBuilder::partial(MAX_LENGTH, 0..1, |_| vec![0xee; 64]);
		let (first, second) = (signed::<T, _>(&owner, &short), signed::<T, _>(&owner, &long));
		let proof = long.node_proof(0, 0);
		let reporter: T::AccountId = account("reporter", 0, 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(reporter), FeedKey::compat(key), first, second, Some(proof));
		assert!(ForkedFeeds::<T>::contains_key(key));
		Ok(())
	}

	#[benchmark]
	fn plan_pause(c: Linear<1, { T::MaxContractsPerPlan::get() }>) {
		let sponsor: T::AccountId = account("sponsor", 0, 0);
		let plan = active::<T>(&sponsor, c);
		cool_down::<T>();
		#[extrinsic_call]
		_(RawOrigin::Signed(sponsor), plan);
		assert_eq!(Plans::<T>::get(plan).map(|p| p.paused), Some(true));
	}

	#[benchmark]
	fn plan_resume(c: Linear<1, { T::MaxContractsPerPlan::get() }>) -> Result<(), BenchmarkError> {
		let sponsor: T::AccountId = account("sponsor", 0, 0);
		let plan = active::<T>(&sponsor, c);
		cool_down::<T>();
		Pallet::<T>::do_pause(sponsor.clone(), plan)?;
		cool_down::<T>();
		#[extrinsic_call]
		_(RawOrigin::Signed(sponsor), plan);
		assert_eq!(Plans::<T>::get(plan).map(|p| p.paused), Some(false));
		Ok(())
	}

	#[benchmark]
	fn plan_unsubscribe(c: Linear<1, { T::MaxContractsPerPlan::get() }>) {
		let sponsor: T::AccountId = account("sponsor", 0, 0);
		let plan = active::<T>(&sponsor, c);
		#[extrinsic_call]
		_(RawOrigin::Signed(sponsor), plan);
		assert!(Plans::<T>::get(plan).is_none());
	}

	#[benchmark]
	fn plan_end(c: Linear<1, { T::MaxContractsPerPlan::get() }>) {
		let sponsor: T::AccountId = account("sponsor", 0, 0);
		let plan = active::<T>(&sponsor, c);
		#[block]
		{
			<Pallet<T> as JobHandler>::execute(&Job::Plans(PlanJob::End(plan)));
		}
		assert!(Plans::<T>::get(plan).is_none());
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_bench_ext(), crate::mock::Test);
}
