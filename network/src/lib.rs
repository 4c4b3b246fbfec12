//! The DatDot network off the chain: what `datdot-provider` (hosters, encoders, attestors) and
//! the `datdot` CLI (sponsors) share.
//!
//! - [`chain`]: the node through `subxt`, with the pallets' own types ([`types`]).
//! - [`feed`] and [`archive`]: Hypercore feeds of files and directories.
//! - [`store`]: a hoster's copies on disk.
//! - [`wire`]: HTTP/2 between peers.
//! - [`identity`]: an account's keys and the statements it signs.
//! - [`provider`] and [`sponsor`]: the two programs' work.

pub mod archive;
pub mod chain;
pub mod feed;
pub mod identity;
pub mod provider;
pub mod sponsor;
pub mod store;
pub mod types;
pub mod wire;
