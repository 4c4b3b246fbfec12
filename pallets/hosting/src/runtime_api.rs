//! The runtime API clients ask the matching rule with: the selection a contract's open round
//! calls for now (`docs/MATCHING.md`). Attestor software that votes from outside the node
//! (with `submit_matching`) and block explorers use it; the off-chain worker computes the same.

use crate::SelectionInput;
use datdot_primitives::ContractId;

sp_api::decl_runtime_apis! {
	/// The hosting pallet's queries.
	pub trait HostingApi<AccountId: codec::Codec> {
		/// The rule's selection for `contract`'s open matching round now: `None` when the
		/// contract has no open round or the rule finds no eligible candidate.
		fn rule_selection(contract: ContractId) -> Option<SelectionInput<AccountId>>;
	}
}
