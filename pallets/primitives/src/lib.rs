//! Types and traits that the DatDot pallets share.
//!
//! Each pallet owns its storage; when it needs another pallet it asks for one of the small
//! traits below in its `Config`, and the runtime wires the concrete pallet in. The types here are
//! the words of the SPEC: regions, roles, provider forms, plans, contracts, jobs and ratings.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;
#[cfg(feature = "testing")]
extern crate std;

pub mod attestor;
pub mod encoding;
pub mod feed;
mod region;
pub mod rota;
pub mod signing;
#[cfg(feature = "testing")]
pub mod testing;
mod traits;
mod types;

pub use region::*;
pub use traits::*;
pub use types::*;
