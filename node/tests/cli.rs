//! The `datdot-node` binary's command line. These tests also make `cargo test` build the
//! binary with the test run's features, so the end-to-end suite uses the same compilation.

use std::process::Command;

fn node() -> Command {
	Command::new(env!("CARGO_BIN_EXE_datdot-node"))
}

#[test]
fn it_names_itself() {
	let out = node().arg("--version").output().expect("datdot-node runs");
	assert!(out.status.success());
	assert!(String::from_utf8_lossy(&out.stdout).starts_with("datdot-node "));
}

#[test]
fn it_exports_the_dev_and_local_chain_specs() {
	for (chain, name, id) in [
		("dev", "DatDot Development", "datdot_dev"),
		("local", "DatDot Local Testnet", "datdot_local"),
	] {
		let out = node().args(["export-chain-spec", "--chain", chain]).output().expect("runs");
		assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
		let spec: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
		assert_eq!(spec["name"], name);
		assert_eq!(spec["id"], id);
		assert_eq!(spec["properties"]["tokenSymbol"], "DOTDOT");
		assert!(spec["genesis"]["runtimeGenesis"]["code"].as_str().is_some_and(|c| c.len() > 1000));
	}
}

#[test]
fn it_refuses_an_unknown_consensus() {
	let out = node().args(["--dev", "--consensus", "proof-of-work"]).output().expect("runs");
	assert!(!out.status.success());
	assert!(String::from_utf8_lossy(&out.stderr).contains("unknown consensus"));
}
