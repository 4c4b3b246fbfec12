//! Benchmarks of the plan calls and of a plan's end, run on the real runtime.

use super::*;
use alloc::vec;
use datdot_primitives::{
	AccountDirectory, BenchmarkHelper, ChunkRange, Job, JobHandler, Performance, PlanJob, Priority,
};
use frame_benchmarking::v2::*;
use frame_support::traits::Get;
use frame_system::RawOrigin;
use sp_core::H256;

const REGION: &[u8] = b"u33d";

/// A plan of `c` contracts whose feed is signed by `feed_owner`'s account key.
fn plan_input<T: Config>(
	feed_owner: &T::AccountId,
	c: u32,
) -> Result<PlanInput<frame_system::pallet_prelude::BlockNumberFor<T>>, BenchmarkError> {
	T::BenchmarkHelper::account(feed_owner, REGION);
	let public_key = T::Accounts::signing_key(feed_owner).ok_or(BenchmarkError::Stop("no key"))?;
	let chunks = c.saturating_mul(T::MaxChunksPerContract::get());
	let feed = Feed { public_key, root: H256::repeat_byte(1), length: chunks };
	let signature = T::BenchmarkHelper::sign(feed_owner, &Pallet::<T>::feed_message(&feed));
	Ok(PlanInput {
		feed,
		signature,
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

fn published<T: Config>(sponsor: &T::AccountId, c: u32) -> datdot_primitives::PlanId {
	T::BenchmarkHelper::plan(
		sponsor,
		c,
		T::MaxHostersPerContract::get(),
		REGION,
		H256::zero(),
		c * 100,
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
		H256::zero(),
		c * 100,
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
		};
		#[extrinsic_call]
		_(RawOrigin::Signed(sponsor), plan, update);
		assert_eq!(Plans::<T>::get(plan).map(|p| p.priority), Some(Priority::High));
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
}
