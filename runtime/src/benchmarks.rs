//! The pallets whose benchmarks run on this runtime (`datdot-node benchmark pallet`).

frame_benchmarking::define_benchmarks!(
	[frame_benchmarking, BaselineBench::<Runtime>]
	[frame_system, SystemBench::<Runtime>]
	[pallet_balances, Balances]
	[pallet_timestamp, Timestamp]
	[pallet_sudo, Sudo]
	[pallet_datdot_accounts, Accounts]
	[pallet_datdot_roles, Roles]
	[pallet_datdot_plans, Plans]
	[pallet_datdot_hosting, Hosting]
	[pallet_datdot_proofs, Proofs]
	[pallet_datdot_benchmarks, Benchmarks]
	[pallet_datdot_scheduler, Scheduler]
);
