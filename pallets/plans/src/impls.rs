//! The bodies of the plan calls, the plan's end, and what other pallets may know of plans.

use alloc::vec::Vec;
use datdot_primitives::{
	signing::{signing_payload, verify_ed25519, FEED_TAG},
	AccountDirectory, AccountUsage, ChunkIndex, ChunkRange, ContractManager, EndReason, Job,
	JobHandler, PlanDirectory, PlanId, PlanJob, PlanTerms, Priority, Region, ScheduleJob,
};
use frame_support::{
	pallet_prelude::*,
	traits::{fungible::MutateHold, tokens::Precision},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	traits::{Saturating, Zero},
	DispatchResult,
};

use crate::{
	BalanceOf, Config, Error, Event, Feed, HoldReason, NextPlanId, Pallet, PlanInput, PlanOf,
	PlanUpdate, Plans, SponsorPlans, WeightInfo,
};

impl<T: Config> Pallet<T> {
	/// How many contracts `ranges` cut into, counting at most `MaxRanges + 1` ranges (enough
	/// to price the call; more is refused anyway).
	pub fn contracts_needed(ranges: &[ChunkRange]) -> u32 {
		let per_contract = T::MaxChunksPerContract::get().max(1);
		ranges
			.iter()
			.take(T::MaxRanges::get() as usize + 1)
			.map(|range| range.len().div_ceil(per_contract))
			.fold(0u32, |total, n| total.saturating_add(n))
			.min(T::MaxContractsPerPlan::get())
	}

	/// The message a feed key signs: its statement of the feed's root and length on this
	/// chain.
	pub fn feed_message(feed: &Feed) -> Vec<u8> {
		let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		signing_payload(FEED_TAG, genesis.as_ref(), (feed.public_key, feed.root, feed.length))
	}

	fn check_feed(feed: &Feed, signature: &[u8; 64]) -> Result<(), Error<T>> {
		ensure!(feed.length > 0, Error::<T>::EmptyFeed);
		ensure!(
			verify_ed25519(&Self::feed_message(feed), signature, &feed.public_key),
			Error::<T>::BadFeedSignature
		);
		Ok(())
	}

	fn check_priority(priority: Priority) -> Result<(), Error<T>> {
		ensure!(!priority.is_reserved(), Error::<T>::ReservedPriority);
		Ok(())
	}

	fn check_ranges(ranges: &[ChunkRange], length: ChunkIndex) -> Result<(), Error<T>> {
		ensure!(!ranges.is_empty(), Error::<T>::NoRanges);
		ensure!(ranges.len() <= T::MaxRanges::get() as usize, Error::<T>::TooManyRanges);
		let mut previous_end = 0;
		for range in ranges {
			ensure!(!range.is_empty(), Error::<T>::EmptyRange);
			ensure!(range.end <= length, Error::<T>::RangeOutOfFeed);
			ensure!(range.start >= previous_end, Error::<T>::RangesOverlap);
			previous_end = range.end;
		}
		Ok(())
	}

	/// Cuts `ranges` into contract ranges of at most `MaxChunksPerContract` chunks.
	fn cut(ranges: &[ChunkRange]) -> Result<Vec<ChunkRange>, Error<T>> {
		let size = T::MaxChunksPerContract::get().max(1);
		let mut cuts = Vec::new();
		for range in ranges {
			let mut start = range.start;
			while start < range.end {
				ensure!(
					cuts.len() < T::MaxContractsPerPlan::get() as usize,
					Error::<T>::TooManyContracts
				);
				let end = start.saturating_add(size).min(range.end);
				cuts.push(ChunkRange { start, end });
				start = end;
			}
		}
		Ok(cuts)
	}

	fn checked_regions(
		input: Vec<Vec<u8>>,
	) -> Result<BoundedVec<Region, T::MaxRegionsPerPlan>, Error<T>> {
		ensure!(!input.is_empty(), Error::<T>::NoRegions);
		ensure!(input.len() <= T::MaxRegionsPerPlan::get() as usize, Error::<T>::TooManyRegions);
		let mut regions = Vec::with_capacity(input.len());
		for bytes in input {
			let region = Region::new(&bytes).map_err(|_| Error::<T>::InvalidRegion)?;
			if !regions.contains(&region) {
				regions.push(region);
			}
		}
		Ok(BoundedVec::truncate_from(regions))
	}

	fn deposit_for(contracts: u32) -> BalanceOf<T> {
		T::ContractDeposit::get()
			.saturating_mul(contracts.into())
			.saturating_add(T::PlanDeposit::get())
	}

	pub fn do_subscribe(who: T::AccountId, input: PlanInput<BlockNumberFor<T>>) -> DispatchResult {
		ensure!(T::Accounts::has_account(&who), Error::<T>::NoAccount);
		ensure!(
			SponsorPlans::<T>::get(&who) < T::MaxPlansPerSponsor::get(),
			Error::<T>::TooManyPlans
		);
		Self::check_feed(&input.feed, &input.signature)?;
		Self::check_ranges(&input.ranges, input.feed.length)?;
		let regions = Self::checked_regions(input.regions)?;
		let hosters = input.hosters.unwrap_or_else(T::DefaultHosters::get);
		ensure!(
			(1..=T::MaxHostersPerContract::get()).contains(&hosters),
			Error::<T>::InvalidHosterCount
		);
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(input.start >= now, Error::<T>::StartInPast);
		if let Some(end) = input.end {
			ensure!(end > input.start, Error::<T>::InvalidEnd);
		}
		Self::check_priority(input.priority)?;
		let cuts = Self::cut(&input.ranges)?;

		let plan_id = NextPlanId::<T>::mutate(|next| {
			let id = *next;
			*next = next.saturating_add(1);
			id
		});
		let deposit = Self::deposit_for(cuts.len() as u32);
		T::Currency::hold(&HoldReason::PlanDeposit.into(), &who, deposit)
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		let contracts = T::Hosting::open(plan_id, &cuts)?;
		let start_job = T::Scheduler::schedule(
			input.start,
			Job::Plans(PlanJob::Start(plan_id)),
			input.priority,
		)?;
		let end_job = input
			.end
			.map(|end| {
				T::Scheduler::schedule(end, Job::Plans(PlanJob::End(plan_id)), input.priority)
			})
			.transpose()?;

		let plan = PlanOf::<T> {
			sponsor: who.clone(),
			feed: input.feed,
			ranges: BoundedVec::truncate_from(input.ranges),
			regions,
			hosters,
			start: input.start,
			end: input.end,
			min_performance: input.min_performance,
			priority: input.priority,
			paused: false,
			contracts: contracts.len() as u32,
			last_change: now,
			start_job: Some(start_job),
			end_job,
			deposit,
		};
		let count = plan.contracts;
		Plans::<T>::insert(plan_id, plan);
		SponsorPlans::<T>::mutate(&who, |n| n.saturating_inc());
		Self::deposit_event(Event::PlanSubscribed {
			plan: plan_id,
			sponsor: who,
			contracts: count,
			start: input.start,
		});
		Ok(())
	}

	fn sponsored(who: &T::AccountId, plan_id: PlanId) -> Result<PlanOf<T>, DispatchError> {
		let plan = Plans::<T>::get(plan_id).ok_or(Error::<T>::UnknownPlan)?;
		ensure!(&plan.sponsor == who, Error::<T>::NotSponsor);
		Ok(plan)
	}

	/// Records a sponsor's change of `plan` now, if the cooldown since the last one passed.
	fn note_change(plan: &mut PlanOf<T>) -> Result<(), Error<T>> {
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(
			now >= plan.last_change.saturating_add(T::ChangeCooldown::get()),
			Error::<T>::ChangeTooSoon
		);
		plan.last_change = now;
		Ok(())
	}

	pub(crate) fn do_update(
		who: T::AccountId,
		plan_id: PlanId,
		update: PlanUpdate<BlockNumberFor<T>>,
	) -> DispatchResult {
		let mut plan = Self::sponsored(&who, plan_id)?;
		Self::note_change(&mut plan)?;
		if let Some(priority) = update.priority {
			Self::check_priority(priority)?;
			plan.priority = priority;
		}
		if let Some(end) = update.end {
			let now = frame_system::Pallet::<T>::block_number();
			if let Some(end) = end {
				ensure!(end > plan.start && end > now, Error::<T>::InvalidEnd);
			}
			if let Some(job) = plan.end_job.take() {
				T::Scheduler::cancel(job);
			}
			plan.end_job = end
				.map(|end| {
					T::Scheduler::schedule(end, Job::Plans(PlanJob::End(plan_id)), plan.priority)
				})
				.transpose()?;
			plan.end = end;
		}
		if let Some(min_performance) = update.min_performance {
			plan.min_performance = min_performance;
		}
		Plans::<T>::insert(plan_id, plan);
		Self::deposit_event(Event::PlanUpdated { plan: plan_id });
		Ok(())
	}

	pub(crate) fn do_pause(who: T::AccountId, plan_id: PlanId) -> Result<u32, DispatchError> {
		let mut plan = Self::sponsored(&who, plan_id)?;
		ensure!(!plan.paused, Error::<T>::AlreadyPaused);
		Self::note_change(&mut plan)?;
		plan.paused = true;
		let contracts = plan.contracts;
		Plans::<T>::insert(plan_id, plan);
		T::Hosting::pause(plan_id)?;
		Self::deposit_event(Event::PausePlan { plan: plan_id });
		Ok(contracts)
	}

	pub(crate) fn do_resume(who: T::AccountId, plan_id: PlanId) -> Result<u32, DispatchError> {
		let mut plan = Self::sponsored(&who, plan_id)?;
		ensure!(plan.paused, Error::<T>::NotPaused);
		Self::note_change(&mut plan)?;
		plan.paused = false;
		let contracts = plan.contracts;
		let started = plan.start_job.is_none();
		Plans::<T>::insert(plan_id, plan);
		T::Hosting::resume(plan_id, started)?;
		Self::deposit_event(Event::ResumePlan { plan: plan_id });
		Ok(contracts)
	}

	/// Ends a live plan: contracts first (`EndHosting`), then the plan (`EndPlan`). Returns how
	/// many contracts it had.
	pub(crate) fn do_end(plan_id: PlanId, reason: EndReason) -> Result<u32, DispatchError> {
		let plan = Plans::<T>::get(plan_id).ok_or(Error::<T>::UnknownPlan)?;
		for job in plan.start_job.iter().chain(plan.end_job.iter()) {
			T::Scheduler::cancel(*job);
		}
		// The contracts end while the plan's terms can still be read.
		T::Hosting::close(plan_id, reason);
		Plans::<T>::remove(plan_id);
		T::Currency::release(
			&HoldReason::PlanDeposit.into(),
			&plan.sponsor,
			plan.deposit,
			Precision::BestEffort,
		)?;
		SponsorPlans::<T>::mutate_exists(&plan.sponsor, |count| {
			*count = count.map(|n| n.saturating_sub(1)).filter(|n| *n > 0);
		});
		Self::deposit_event(Event::EndPlan { plan: plan_id, reason });
		Ok(plan.contracts)
	}

	/// The plan's start block came: its contracts begin matching.
	fn start(plan_id: PlanId) -> DispatchResult {
		let Some(mut plan) = Plans::<T>::get(plan_id) else { return Ok(()) };
		plan.start_job = None;
		Plans::<T>::insert(plan_id, plan);
		T::Hosting::start(plan_id)
	}

	/// The most a plan job can cost.
	pub fn job_weight(job: &Job) -> Weight {
		<Self as JobHandler>::max_weight(job).unwrap_or_default()
	}

	/// Every invariant below.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		Self::check_sponsor_counts()?;
		Self::check_stored_terms()?;
		Self::check_jobs_pending()?;
		Self::check_deposits_held()
	}

	/// Each sponsor's count of live plans is the number of its plans.
	fn check_sponsor_counts() -> Result<(), sp_runtime::TryRuntimeError> {
		let mut counts = alloc::collections::BTreeMap::<T::AccountId, u32>::new();
		for (_, plan) in Plans::<T>::iter() {
			counts.entry(plan.sponsor).or_default().saturating_inc();
		}
		for (sponsor, count) in SponsorPlans::<T>::iter() {
			ensure!(counts.remove(&sponsor) == Some(count), "a sponsor's plan count is wrong");
		}
		ensure!(counts.is_empty(), "a sponsor's plans are uncounted");
		Ok(())
	}

	/// Stored ranges lie in their feed, and no plan holds the reserved priority.
	fn check_stored_terms() -> Result<(), sp_runtime::TryRuntimeError> {
		for (_, plan) in Plans::<T>::iter() {
			ensure!(
				Self::check_ranges(&plan.ranges, plan.feed.length).is_ok(),
				"bad stored ranges"
			);
			ensure!(!plan.priority.is_reserved(), "a plan holds the reserved priority");
		}
		Ok(())
	}

	/// A plan's start and end jobs, while it names them, are pending.
	fn check_jobs_pending() -> Result<(), sp_runtime::TryRuntimeError> {
		for (_, plan) in Plans::<T>::iter() {
			for job in plan.start_job.iter().chain(plan.end_job.iter()) {
				ensure!(T::Scheduler::is_pending(*job), "a plan names a job that is gone");
			}
		}
		Ok(())
	}

	/// Each sponsor has at least the sum of its plans' deposits on hold.
	fn check_deposits_held() -> Result<(), sp_runtime::TryRuntimeError> {
		use frame_support::traits::fungible::InspectHold;
		let mut owed = alloc::collections::BTreeMap::<T::AccountId, BalanceOf<T>>::new();
		for (_, plan) in Plans::<T>::iter() {
			let total = owed.entry(plan.sponsor).or_default();
			*total = total.saturating_add(plan.deposit);
		}
		for (sponsor, total) in owed {
			let held = T::Currency::balance_on_hold(&HoldReason::PlanDeposit.into(), &sponsor);
			ensure!(held >= total, "a plan deposit is not on hold");
		}
		Ok(())
	}
}

impl<T: Config> JobHandler for Pallet<T> {
	fn max_weight(job: &Job) -> Option<Weight> {
		let Job::Plans(job) = job else { return None };
		let contracts = T::MaxContractsPerPlan::get();
		Some(match job {
			PlanJob::Start(_) => T::Hosting::start_weight(contracts),
			PlanJob::End(_) => T::WeightInfo::plan_end(contracts),
		})
	}

	fn execute(job: &Job) -> Option<Result<Weight, DispatchError>> {
		let Job::Plans(plan_job) = job else { return None };
		Some(match *plan_job {
			PlanJob::Start(plan) => Self::start(plan).map(|()| Self::job_weight(job)),
			PlanJob::End(plan) => match Self::do_end(plan, EndReason::Expired) {
				Ok(contracts) => Ok(T::WeightInfo::plan_end(contracts)),
				// The plan ended earlier; only the lookup was spent.
				Err(error) if error == Error::<T>::UnknownPlan.into() => {
					Ok(T::DbWeight::get().reads(1))
				}
				Err(error) => Err(error),
			},
		})
	}

	fn abandon(job: &Job) -> Option<Weight> {
		let Job::Plans(plan_job) = job else { return None };
		// A plan whose start or end cannot be carried out ends; what it held is released.
		let (PlanJob::Start(plan) | PlanJob::End(plan)) = *plan_job;
		let reason = if matches!(plan_job, PlanJob::End(_)) {
			EndReason::Expired
		} else {
			EndReason::Stalled
		};
		// The failed job is no longer pending: the plan stops naming it.
		Plans::<T>::mutate(plan, |stored| {
			if let Some(stored) = stored {
				match plan_job {
					PlanJob::Start(_) => stored.start_job = None,
					PlanJob::End(_) => stored.end_job = None,
				}
			}
		});
		match Self::do_end(plan, reason) {
			Ok(_) => {}
			// The plan was gone already, or its deposit could not be released: the plan stays
			// for its sponsor to unsubscribe, with no job left to fail again.
			Err(_) => {}
		}
		Some(Self::job_weight(job))
	}

	fn is_live(job: &Job) -> Option<bool> {
		let Job::Plans(job) = job else { return None };
		let (PlanJob::Start(plan) | PlanJob::End(plan)) = *job;
		Some(Plans::<T>::contains_key(plan))
	}
}

impl<T: Config> PlanDirectory<T::AccountId> for Pallet<T> {
	fn terms(plan_id: PlanId) -> Option<PlanTerms<T::AccountId>> {
		Plans::<T>::get(plan_id).map(|plan| PlanTerms {
			sponsor: plan.sponsor,
			regions: plan.regions.into_inner(),
			hosters: plan.hosters,
			min_performance: plan.min_performance,
			root: plan.feed.root,
			length: plan.feed.length,
			priority: plan.priority,
			paused: plan.paused,
		})
	}

	fn end_plan(plan_id: PlanId, reason: EndReason) -> DispatchResult {
		Self::do_end(plan_id, reason).map(|_| ())
	}
}

impl<T: Config> AccountUsage<T::AccountId> for Pallet<T> {
	fn in_use(who: &T::AccountId) -> bool {
		SponsorPlans::<T>::contains_key(who)
	}
}
