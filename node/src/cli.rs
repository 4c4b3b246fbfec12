//! The command line: the standard Substrate node options plus the choice of block authoring.

use std::str::FromStr;

/// How blocks are authored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Consensus {
	/// BABE slots of the runtime's block time, finalized by GRANDPA: what real networks run.
	#[default]
	Babe,
	/// A block as soon as a transaction arrives, finalized at once (tests, demos).
	InstantSeal,
	/// A block every given number of milliseconds, finalized at once (tests, demos).
	ManualSeal(u64),
}

impl FromStr for Consensus {
	type Err = String;

	fn from_str(s: &str) -> Result<Self, Self::Err> {
		match s {
			"babe" => Ok(Consensus::Babe),
			"instant-seal" => Ok(Consensus::InstantSeal),
			other => match other.strip_prefix("manual-seal-") {
				Some(ms) => match ms.parse::<u64>() {
					Ok(ms) if ms > 0 => Ok(Consensus::ManualSeal(ms)),
					_ => Err(format!("'{ms}' is not a positive number of milliseconds")),
				},
				None => Err(format!(
					"unknown consensus '{other}': use babe, instant-seal or manual-seal-<ms>"
				)),
			},
		}
	}
}

/// The `datdot-node` command line.
#[derive(Debug, clap::Parser)]
pub struct Cli {
	/// A subcommand; without one the node runs.
	#[command(subcommand)]
	pub subcommand: Option<Subcommand>,

	/// The node's options.
	#[clap(flatten)]
	pub run: sc_cli::RunCmd,

	/// Block authoring: `babe` (default; BABE + GRANDPA), `instant-seal`, or `manual-seal-<ms>`.
	/// The sealing modes are for a single development node only.
	#[arg(long, default_value = "babe")]
	pub consensus: Consensus,
}

/// The subcommands.
#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Subcommand {
	/// Key management tools.
	#[command(subcommand)]
	Key(sc_cli::KeySubcommand),

	/// Build a chain specification (deprecated: use `export-chain-spec`).
	#[deprecated(note = "build-spec is deprecated; use export-chain-spec")]
	BuildSpec(sc_cli::BuildSpecCmd),

	/// Export a chain specification.
	ExportChainSpec(sc_cli::ExportChainSpecCmd),

	/// Validate blocks.
	CheckBlock(sc_cli::CheckBlockCmd),

	/// Export blocks.
	ExportBlocks(sc_cli::ExportBlocksCmd),

	/// Export the state of a given block into a chain spec.
	ExportState(sc_cli::ExportStateCmd),

	/// Import blocks.
	ImportBlocks(sc_cli::ImportBlocksCmd),

	/// Remove the whole chain.
	PurgeChain(sc_cli::PurgeChainCmd),

	/// Revert the chain to a previous state.
	Revert(sc_cli::RevertCmd),

	/// Database meta columns information.
	ChainInfo(sc_cli::ChainInfoCmd),

	/// Runtime and node benchmarks (built with `--features runtime-benchmarks`).
	#[cfg(feature = "runtime-benchmarks")]
	#[command(subcommand)]
	Benchmark(frame_benchmarking_cli::BenchmarkCmd),
}

#[cfg(test)]
mod tests {
	use super::Consensus;

	#[test]
	fn consensus_parses_every_mode_and_rejects_the_rest() {
		assert_eq!("babe".parse(), Ok(Consensus::Babe));
		assert!("aura".parse::<Consensus>().is_err());
		assert_eq!("instant-seal".parse(), Ok(Consensus::InstantSeal));
		assert_eq!("manual-seal-250".parse(), Ok(Consensus::ManualSeal(250)));
		assert!("manual-seal-0".parse::<Consensus>().is_err());
		assert!("manual-seal-".parse::<Consensus>().is_err());
		assert!("raft".parse::<Consensus>().is_err());
	}
}
