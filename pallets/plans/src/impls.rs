//! The bodies of the plan calls, the plan's end, and what other pallets may know of plans.

use alloc::vec::Vec;
use datdot_primitives::{
	feed::{self, FeedError, FeedKey, FeedTree, NodeProof, SignedTree},
	AccountDirectory, AccountUsage, ChunkRange, ContractManager, EndReason, Job, JobHandler,
	PlanDirectory, PlanId, PlanJob, PlanTerms, Priority, Region, ScheduleJob,
};
use frame_support::{
	pallet_prelude::*,
	traits::{fungible::MutateHold, tokens::Precision},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	traits::{One, Saturating},
	DispatchResult,
};

use crate::{
	BalanceOf, Config, Error, Event, Feed, FeedInput, FeedPlanCount, FeedPlans, FeedRoots,
	FeedTrees, FeedUpgrade, ForkRecord, ForkedFeeds, HoldReason, NextPlanId, Pallet, PlanInput,
	PlanOf, PlanUpdate, Plans, SponsorPlans, WeightInfo,
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

	/// The weight `plan_update` is charged before it runs: an upgrade opens and starts the
	/// contracts of its new ranges.
	pub fn update_weight(update: &PlanUpdate<BlockNumberFor<T>>) -> Weight {
		match &update.upgrade {
			None => T::WeightInfo::plan_update(),
			Some(upgrade) => T::WeightInfo::plan_upgrade(Self::contracts_needed(&upgrade.ranges))
				.saturating_add(T::Hosting::start_weight(T::MaxContractsPerPlan::get())),
		}
	}

	/// The error a rejected feed tree, upgrade or fork report gets; a malformed proof in it is
	/// `bad_proof`.
	fn feed_error(error: FeedError, bad_proof: Error<T>) -> Error<T> {
		match error {
			FeedError::LengthTooLarge => Error::<T>::FeedTooLong,
			FeedError::WrongRoots | FeedError::SizeOverflow => Error::<T>::WrongRoots,
			FeedError::WrongManifest => Error::<T>::WrongManifest,
			FeedError::BadSignature => Error::<T>::BadFeedSignature,
			FeedError::NotAnUpgrade => Error::<T>::NotAnUpgrade,
			FeedError::DifferentForks => Error::<T>::DifferentForks,
			FeedError::ProofRequired => Error::<T>::ForkProofRequired,
			FeedError::NotARoot => Error::<T>::NotARoot,
			FeedError::NotConflicting => Error::<T>::NotConflicting,
			FeedError::ProofTooShort
			| FeedError::ProofTooLong
			| FeedError::WrongNodeIndex
			| FeedError::ForkMismatch
			| FeedError::OutOfRange
			| FeedError::SizeMismatch
			| FeedError::HashMismatch => bad_proof,
		}
	}

	/// Verifies a Hypercore's signed tree; returns the feed a plan holds, and its roots.
	fn check_feed(input: FeedInput) -> Result<(Feed, FeedRoots), Error<T>> {
		ensure!(!ForkedFeeds::<T>::contains_key(input.key), Error::<T>::FeedForked);
		ensure!(input.tree.length > 0, Error::<T>::EmptyFeed);
		let feed_key = FeedKey { key: input.key, signer: input.signer };
		feed::verify_tree(&feed_key, &input.tree)
			.map_err(|error| Self::feed_error(error, Error::<T>::BadUpgradeProof))?;
		let feed = Feed {
			key: input.key,
			signer: input.signer,
			length: input.tree.length,
			fork: input.tree.fork,
		};
		let roots = FeedRoots {
			// `verify_tree` checked there are exactly as many roots as bits of the length.
			roots: BoundedVec::try_from(input.tree.roots).map_err(|_| Error::<T>::WrongRoots)?,
			signature: input.tree.signature,
		};
		Ok((feed, roots))
	}

	/// Verifies an upgrade of `current`: the new roots extend the old ones and the key signed
	/// them at the new length on the same fork.
	fn check_upgrade(
		current: &Feed,
		held: &FeedRoots,
		upgrade: &FeedUpgrade,
	) -> Result<(Feed, FeedRoots), Error<T>> {
		ensure!(!ForkedFeeds::<T>::contains_key(current.key), Error::<T>::FeedForked);
		let roots = feed::upgrade(current.length, &held.roots, upgrade.length, &upgrade.nodes)
			.map_err(|error| Self::feed_error(error, Error::<T>::BadUpgradeProof))?;
		let tree = SignedTree {
			length: upgrade.length,
			fork: current.fork,
			roots,
			signature: upgrade.signature,
		};
		Self::check_feed(FeedInput { key: current.key, signer: current.signer, tree })
	}

	fn check_priority(priority: Priority) -> Result<(), Error<T>> {
		ensure!(!priority.is_reserved(), Error::<T>::ReservedPriority);
		Ok(())
	}

	fn check_ranges(ranges: &[ChunkRange], length: u64) -> Result<(), Error<T>> {
		ensure!(!ranges.is_empty(), Error::<T>::NoRanges);
		ensure!(ranges.len() <= T::MaxRanges::get() as usize, Error::<T>::TooManyRanges);
		let mut previous_end = 0;
		for range in ranges {
			ensure!(!range.is_empty(), Error::<T>::EmptyRange);
			ensure!(u64::from(range.end) <= length, Error::<T>::RangeOutOfFeed);
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
		let (feed, roots) = Self::check_feed(input.feed)?;
		ensure!(
			FeedPlanCount::<T>::get(feed.key) < T::MaxPlansPerFeed::get(),
			Error::<T>::TooManyPlansForFeed
		);
		Self::check_ranges(&input.ranges, feed.length)?;
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
			feed,
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
		FeedPlans::<T>::insert(plan.feed.key, plan_id, ());
		FeedTrees::<T>::insert(plan_id, roots);
		FeedPlanCount::<T>::mutate(plan.feed.key, |n| n.saturating_inc());
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
	) -> DispatchResultWithPostInfo {
		let mut plan = Self::sponsored(&who, plan_id)?;
		Self::note_change(&mut plan)?;
		let upgraded = match &update.upgrade {
			Some(upgrade) => Some(Self::upgrade(plan_id, &mut plan, upgrade)?),
			None => None,
		};
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
		let startable = plan.start_job.is_none() && !plan.paused;
		let (length, total) = (plan.feed.length, plan.contracts);
		Plans::<T>::insert(plan_id, plan);
		Self::deposit_event(Event::PlanUpdated { plan: plan_id });
		let Some(opened) = upgraded else { return Ok(Some(T::WeightInfo::plan_update()).into()) };
		// A started plan's new contracts match now; otherwise at the start or on resume.
		if startable && opened > 0 {
			T::Hosting::start(plan_id)?;
		}
		Self::deposit_event(Event::FeedUpgraded { plan: plan_id, length, contracts: opened });
		let start = if startable { T::Hosting::start_weight(total) } else { Weight::zero() };
		Ok(Some(T::WeightInfo::plan_upgrade(opened).saturating_add(start)).into())
	}

	/// Moves `plan` to the upgrade's signed length and opens contracts for its new ranges.
	/// Returns how many.
	fn upgrade(
		plan_id: PlanId,
		plan: &mut PlanOf<T>,
		upgrade: &FeedUpgrade,
	) -> Result<u32, DispatchError> {
		let held = FeedTrees::<T>::get(plan_id).ok_or(Error::<T>::UnknownPlan)?;
		let (feed, roots) = Self::check_upgrade(&plan.feed, &held, upgrade)?;
		let mut ranges = plan.ranges.to_vec();
		ranges.extend_from_slice(&upgrade.ranges);
		ranges.sort_by_key(|range| range.start);
		Self::check_ranges(&ranges, feed.length)?;
		let cuts = if upgrade.ranges.is_empty() { Vec::new() } else { Self::cut(&upgrade.ranges)? };
		let opened = cuts.len() as u32;
		ensure!(
			plan.contracts.saturating_add(opened) <= T::MaxContractsPerPlan::get(),
			Error::<T>::TooManyContracts
		);
		let deposit = T::ContractDeposit::get().saturating_mul(opened.into());
		T::Currency::hold(&HoldReason::PlanDeposit.into(), &plan.sponsor, deposit)
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		T::Hosting::open(plan_id, &cuts)?;
		plan.feed = feed;
		FeedTrees::<T>::insert(plan_id, roots);
		plan.ranges = BoundedVec::truncate_from(ranges);
		plan.contracts = plan.contracts.saturating_add(opened);
		plan.deposit = plan.deposit.saturating_add(deposit);
		Ok(opened)
	}

	/// Records a fork of feed `key` shown by two of its signed trees, and schedules the end of
	/// each of its live plans. Returns how many.
	pub(crate) fn do_fork_report(
		reporter: T::AccountId,
		feed_key: FeedKey,
		first: SignedTree,
		second: SignedTree,
		proof: Option<NodeProof>,
	) -> Result<u32, DispatchError> {
		let key = feed_key.key;
		ensure!(!ForkedFeeds::<T>::contains_key(key), Error::<T>::FeedForked);
		let fork = feed::verify_fork(&feed_key, &first, &second, proof.as_ref())
			.map_err(|error| Self::feed_error(error, Error::<T>::BadForkProof))?;
		let now = frame_system::Pallet::<T>::block_number();
		ForkedFeeds::<T>::insert(key, ForkRecord { fork, at: now });
		let mut plans = 0u32;
		for (plan_id, ()) in FeedPlans::<T>::iter_prefix(key) {
			let Some(plan) = Plans::<T>::get(plan_id) else { continue };
			T::Scheduler::schedule(
				now.saturating_add(One::one()),
				Job::Plans(PlanJob::Forked(plan_id)),
				plan.priority,
			)?;
			plans.saturating_inc();
		}
		Self::deposit_event(Event::FeedForked { key, fork, reporter, plans });
		Ok(plans)
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
		FeedPlans::<T>::remove(plan.feed.key, plan_id);
		FeedTrees::<T>::remove(plan_id);
		FeedPlanCount::<T>::mutate_exists(plan.feed.key, |count| {
			*count = count.map(|n| n.saturating_sub(1)).filter(|n| *n > 0);
		});
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

	/// A job that ends `plan` for `reason`.
	fn end_job(plan: PlanId, reason: EndReason) -> Result<Weight, DispatchError> {
		match Self::do_end(plan, reason) {
			Ok(contracts) => Ok(T::WeightInfo::plan_end(contracts)),
			// The plan ended earlier; only the lookup was spent.
			Err(error) if error == Error::<T>::UnknownPlan.into() => {
				Ok(T::DbWeight::get().reads(1))
			}
			Err(error) => Err(error),
		}
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
		Self::check_feed_index()?;
		Self::check_deposits_held()
	}

	/// Every live plan is listed under its feed, and each feed's count is its number of plans.
	fn check_feed_index() -> Result<(), sp_runtime::TryRuntimeError> {
		let mut counts = alloc::collections::BTreeMap::<[u8; 32], u32>::new();
		for (id, plan) in Plans::<T>::iter() {
			ensure!(
				FeedPlans::<T>::contains_key(plan.feed.key, id),
				"a plan is not under its feed"
			);
			ensure!(
				FeedTrees::<T>::get(id).is_some_and(|held| feed::check_roots(
					plan.feed.length,
					&held.roots
				)
				.is_ok()),
				"a plan's roots are missing or not those of its length"
			);
			counts.entry(plan.feed.key).or_default().saturating_inc();
		}
		ensure!(
			FeedPlans::<T>::iter_keys().all(|(_, id)| Plans::<T>::contains_key(id)),
			"a feed lists an ended plan"
		);
		ensure!(
			FeedTrees::<T>::iter_keys().all(|id| Plans::<T>::contains_key(id)),
			"an ended plan's roots are kept"
		);
		for (key, count) in FeedPlanCount::<T>::iter() {
			ensure!(counts.remove(&key) == Some(count), "a feed's plan count is wrong");
		}
		ensure!(counts.is_empty(), "a feed's plans are uncounted");
		Ok(())
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
			PlanJob::End(_) | PlanJob::Forked(_) => T::WeightInfo::plan_end(contracts),
		})
	}

	fn execute(job: &Job) -> Option<Result<Weight, DispatchError>> {
		let Job::Plans(plan_job) = job else { return None };
		Some(match *plan_job {
			PlanJob::Start(plan) => Self::start(plan).map(|()| Self::job_weight(job)),
			PlanJob::End(plan) => Self::end_job(plan, EndReason::Expired),
			PlanJob::Forked(plan) => Self::end_job(plan, EndReason::FeedForked),
		})
	}

	fn abandon(job: &Job) -> Option<Weight> {
		let Job::Plans(plan_job) = job else { return None };
		// A plan whose start or end cannot be carried out ends; what it held is released.
		let (plan, reason) = match *plan_job {
			PlanJob::Start(plan) => (plan, EndReason::Stalled),
			PlanJob::End(plan) => (plan, EndReason::Expired),
			PlanJob::Forked(plan) => (plan, EndReason::FeedForked),
		};
		// The failed job is no longer pending: the plan stops naming it.
		Plans::<T>::mutate(plan, |stored| {
			if let Some(stored) = stored {
				match plan_job {
					PlanJob::Start(_) => stored.start_job = None,
					PlanJob::End(_) => stored.end_job = None,
					// The fork's end job is not named by the plan.
					PlanJob::Forked(_) => {}
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
		let (PlanJob::Start(plan) | PlanJob::End(plan) | PlanJob::Forked(plan)) = *job;
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
			key: plan.feed.key,
			length: plan.feed.length,
			priority: plan.priority,
			paused: plan.paused,
		})
	}

	fn feed(plan_id: PlanId) -> Option<FeedTree> {
		let plan = Plans::<T>::get(plan_id)?;
		FeedTrees::<T>::get(plan_id).map(|roots| plan.feed.tree(&roots))
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
