//! The node's services: client, transaction pool, networking, block authoring (BABE + GRANDPA or
//! manual/instant sealing with BABE pre-digests), offchain workers and RPC.

use std::{sync::Arc, time::Duration};

use datdot_runtime::{opaque::Block, RuntimeApi};
use futures::FutureExt;
use sc_client_api::{Backend, BlockBackend};
use sc_consensus_babe::{BabeLink, BabeWorkerHandle, SlotProportion};
use sc_consensus_grandpa::SharedVoterState;
use sc_consensus_manual_seal::consensus::timestamp::SlotTimestampProvider;
use sc_service::{error::Error as ServiceError, Configuration, TaskManager, WarpSyncConfig};
use sc_telemetry::{Telemetry, TelemetryWorker};
use sc_transaction_pool_api::OffchainTransactionPoolFactory;
use sp_runtime::traits::Block as BlockT;

use crate::cli::Consensus;

/// The client, executing the runtime's Wasm.
pub type FullClient = sc_service::TFullClient<
	Block,
	RuntimeApi,
	sc_executor::WasmExecutor<sp_io::SubstrateHostFunctions>,
>;
type FullBackend = sc_service::TFullBackend<Block>;
type FullSelectChain = sc_consensus::LongestChain<FullBackend, Block>;
type GrandpaBlockImport =
	sc_consensus_grandpa::GrandpaBlockImport<FullBackend, Block, FullClient, FullSelectChain>;
type GrandpaLink = sc_consensus_grandpa::LinkHalf<Block, FullClient, FullSelectChain>;
/// Makes the inherents a block's slot and time come from, for authoring and for checking
/// imported blocks.
type Inherents<Time> = Arc<
	dyn sp_inherents::CreateInherentDataProviders<
		Block,
		(),
		InherentDataProviders = (sp_consensus_babe::inherents::InherentDataProvider, Time),
	>,
>;
/// Slots from the wall clock (BABE).
type ClockInherents = Inherents<sp_timestamp::InherentDataProvider>;
/// One slot after the parent's per block, ahead of the wall clock when blocks come faster
/// (sealing).
type SealInherents = Inherents<SlotTimestampProvider>;
/// BABE's block import around `Inner`: it tracks epochs, checks slot claims and inherents.
type BabeBlockImport<Inner, Time> =
	sc_consensus_babe::BabeBlockImport<Block, FullClient, Inner, Inherents<Time>, FullSelectChain>;
/// The block import of sealing: BABE's, straight onto the client.
type SealBlockImport = BabeBlockImport<Arc<FullClient>, SlotTimestampProvider>;

/// Blocks between two GRANDPA justifications that are kept.
const GRANDPA_JUSTIFICATION_PERIOD: u32 = 512;

/// What block authoring needs beyond the client.
pub enum ConsensusParts {
	/// BABE authors, GRANDPA finalizes.
	BabeGrandpa {
		block_import: BabeBlockImport<GrandpaBlockImport, sp_timestamp::InherentDataProvider>,
		babe_link: BabeLink<Block>,
		grandpa_link: GrandpaLink,
		/// Keeps BABE's epoch worker running (it stops once no handle is left).
		babe_worker: BabeWorkerHandle<Block>,
	},
	/// Manual or instant sealing: blocks still carry BABE pre-digests and epochs, so the
	/// runtime sees a BABE chain; each block is final at once.
	Sealing { block_import: SealBlockImport, babe_link: BabeLink<Block>, inherents: SealInherents },
}

/// The parts of the node that chain-ops subcommands need too.
pub type Service = sc_service::PartialComponents<
	FullClient,
	FullBackend,
	FullSelectChain,
	sc_consensus::DefaultImportQueue<Block>,
	sc_transaction_pool::TransactionPoolHandle<Block, FullClient>,
	(ConsensusParts, Option<Telemetry>),
>;

/// Builds the client, pool and the import queue that fits `consensus`.
pub fn new_partial(config: &Configuration, consensus: Consensus) -> Result<Service, ServiceError> {
	let telemetry = config
		.telemetry_endpoints
		.clone()
		.filter(|endpoints| !endpoints.is_empty())
		.map(|endpoints| -> Result<_, sc_telemetry::Error> {
			let worker = TelemetryWorker::new(16)?;
			let telemetry = worker.handle().new_telemetry(endpoints);
			Ok((worker, telemetry))
		})
		.transpose()?;

	let executor = sc_service::new_wasm_executor::<sp_io::SubstrateHostFunctions>(&config.executor);
	let (client, backend, keystore_container, task_manager) =
		sc_service::new_full_parts::<Block, RuntimeApi, _>(
			config,
			telemetry.as_ref().map(|(_, telemetry)| telemetry.handle()),
			executor,
			Vec::new(),
		)?;
	let client = Arc::new(client);

	let telemetry = telemetry.map(|(worker, telemetry)| {
		task_manager.spawn_handle().spawn("telemetry", None, worker.run());
		telemetry
	});

	let select_chain = sc_consensus::LongestChain::new(backend.clone());

	let transaction_pool = Arc::from(
		sc_transaction_pool::Builder::new(
			task_manager.spawn_essential_handle(),
			client.clone(),
			config.role.is_authority().into(),
		)
		.with_options(config.transaction_pool.clone())
		.with_prometheus(config.prometheus_registry())
		.build(),
	);

	let babe_config = sc_consensus_babe::configuration(&*client)?;
	let slot_duration = babe_config.slot_duration();
	let clock: ClockInherents = Arc::new(move |_, ()| async move {
		let timestamp = sp_timestamp::InherentDataProvider::from_system_time();
		let slot =
			sp_consensus_babe::inherents::InherentDataProvider::from_timestamp_and_slot_duration(
				*timestamp,
				slot_duration,
			);
		Ok::<_, Box<dyn std::error::Error + Send + Sync>>((slot, timestamp))
	});
	let pool_factory = OffchainTransactionPoolFactory::new(transaction_pool.clone());

	let (import_queue, parts) = match consensus {
		Consensus::Babe => {
			let (grandpa_block_import, grandpa_link) = sc_consensus_grandpa::block_import(
				client.clone(),
				GRANDPA_JUSTIFICATION_PERIOD,
				&client,
				select_chain.clone(),
				telemetry.as_ref().map(|x| x.handle()),
			)?;
			let (block_import, babe_link) = sc_consensus_babe::block_import(
				babe_config,
				grandpa_block_import.clone(),
				client.clone(),
				clock,
				select_chain.clone(),
				pool_factory,
			)?;
			let (import_queue, babe_worker) =
				sc_consensus_babe::import_queue(sc_consensus_babe::ImportQueueParams {
					link: babe_link.clone(),
					block_import: block_import.clone(),
					justification_import: Some(Box::new(grandpa_block_import)),
					client: client.clone(),
					slot_duration,
					spawner: &task_manager.spawn_essential_handle(),
					registry: config.prometheus_registry(),
					telemetry: telemetry.as_ref().map(|x| x.handle()),
				})?;
			let parts =
				ConsensusParts::BabeGrandpa { block_import, babe_link, grandpa_link, babe_worker };
			(import_queue, parts)
		}
		Consensus::InstantSeal | Consensus::ManualSeal(_) => {
			let slot_client = client.clone();
			let inherents: SealInherents = Arc::new(move |_, ()| {
				let client = slot_client.clone();
				async move {
					let timestamp = SlotTimestampProvider::new_babe(client)
						.map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)?;
					let slot =
						sp_consensus_babe::inherents::InherentDataProvider::new(timestamp.slot());
					Ok((slot, timestamp))
				}
			});
			let (block_import, babe_link) = sc_consensus_babe::block_import(
				babe_config,
				client.clone(),
				client.clone(),
				inherents.clone(),
				select_chain.clone(),
				pool_factory,
			)?;
			let import_queue = sc_consensus_manual_seal::import_queue(
				Box::new(block_import.clone()),
				&task_manager.spawn_essential_handle(),
				config.prometheus_registry(),
			);
			(import_queue, ConsensusParts::Sealing { block_import, babe_link, inherents })
		}
	};

	Ok(sc_service::PartialComponents {
		client,
		backend,
		task_manager,
		import_queue,
		keystore_container,
		select_chain,
		transaction_pool,
		other: (parts, telemetry),
	})
}

/// Builds and starts a full node.
pub fn new_full<N: sc_network::NetworkBackend<Block, <Block as BlockT>::Hash>>(
	config: Configuration,
	consensus: Consensus,
) -> Result<TaskManager, ServiceError> {
	let sc_service::PartialComponents {
		client,
		backend,
		mut task_manager,
		import_queue,
		keystore_container,
		select_chain,
		transaction_pool,
		other: (parts, mut telemetry),
	} = new_partial(&config, consensus)?;
	insert_dev_attestor_keys(&config, &*keystore_container.keystore())?;

	let mut net_config = sc_network::config::FullNetworkConfiguration::<
		Block,
		<Block as BlockT>::Hash,
		N,
	>::new(&config.network, config.prometheus_registry().cloned());
	let metrics = N::register_notification_metrics(config.prometheus_registry());

	let genesis_hash = client
		.block_hash(0)
		.ok()
		.flatten()
		.ok_or_else(|| ServiceError::Other("the genesis block is missing".into()))?;
	let grandpa_protocol_name =
		sc_consensus_grandpa::protocol_standard_name(&genesis_hash, &config.chain_spec);

	// GRANDPA's gossip protocol and warp sync exist only when GRANDPA runs.
	let mut grandpa_notification_service = None;
	let mut warp_sync_config = None;
	if let ConsensusParts::BabeGrandpa { grandpa_link, .. } = &parts {
		let (protocol_config, notification_service) =
			sc_consensus_grandpa::grandpa_peers_set_config::<_, N>(
				grandpa_protocol_name.clone(),
				metrics.clone(),
				net_config.peer_store_handle(),
			);
		net_config.add_notification_protocol(protocol_config);
		grandpa_notification_service = Some(notification_service);
		warp_sync_config = Some(WarpSyncConfig::WithProvider(Arc::new(
			sc_consensus_grandpa::warp_proof::NetworkProvider::new(
				backend.clone(),
				grandpa_link.shared_authority_set().clone(),
				Vec::default(),
			),
		)));
	}

	let (network, system_rpc_tx, tx_handler_controller, sync_service, _bitswap) =
		sc_service::build_network(sc_service::BuildNetworkParams {
			config: &config,
			net_config,
			client: client.clone(),
			transaction_pool: transaction_pool.clone(),
			spawn_handle: task_manager.spawn_handle(),
			spawn_essential_handle: task_manager.spawn_essential_handle(),
			import_queue,
			block_announce_validator_builder: None,
			warp_sync_config,
			block_relay: None,
			metrics,
			gap_sync_body_policy: None,
		})?;

	if config.offchain_worker.enabled {
		let offchain_workers =
			sc_offchain::OffchainWorkers::new(sc_offchain::OffchainWorkerOptions {
				runtime_api_provider: client.clone(),
				is_validator: config.role.is_authority(),
				keystore: Some(keystore_container.keystore()),
				offchain_db: backend.offchain_storage(),
				transaction_pool: Some(OffchainTransactionPoolFactory::new(
					transaction_pool.clone(),
				)),
				network_provider: Arc::new(network.clone()),
				enable_http_requests: true,
				custom_extensions: |_| vec![],
			})?;
		task_manager.spawn_handle().spawn(
			"offchain-workers-runner",
			"offchain-worker",
			offchain_workers.run(client.clone(), task_manager.spawn_handle()).boxed(),
		);
	}

	let role = config.role;
	let force_authoring = config.force_authoring;
	let name = config.network.node_name.clone();
	let enable_grandpa = !config.disable_grandpa;
	let prometheus_registry = config.prometheus_registry().cloned();

	let rpc_extensions_builder = {
		let client = client.clone();
		let pool = transaction_pool.clone();
		Box::new(move |_| {
			let deps = crate::rpc::FullDeps { client: client.clone(), pool: pool.clone() };
			crate::rpc::create_full(deps).map_err(Into::into)
		})
	};

	sc_service::spawn_tasks(sc_service::SpawnTasksParams {
		network: network.clone(),
		client: client.clone(),
		keystore: keystore_container.keystore(),
		task_manager: &mut task_manager,
		transaction_pool: transaction_pool.clone(),
		rpc_builder: rpc_extensions_builder,
		backend,
		system_rpc_tx,
		tx_handler_controller,
		sync_service: sync_service.clone(),
		config,
		telemetry: telemetry.as_mut(),
		tracing_execute_block: None,
	})?;

	let proposer_factory = sc_basic_authorship::ProposerFactory::new(
		task_manager.spawn_handle(),
		client.clone(),
		transaction_pool.clone(),
		prometheus_registry.as_ref(),
		telemetry.as_ref().map(|x| x.handle()),
	);

	match parts {
		ConsensusParts::BabeGrandpa { block_import, babe_link, grandpa_link, babe_worker } => {
			if role.is_authority() {
				let slot_duration = babe_link.config().slot_duration();
				let babe = sc_consensus_babe::start_babe(sc_consensus_babe::BabeParams {
					keystore: keystore_container.keystore(),
					client: client.clone(),
					select_chain,
					env: proposer_factory,
					block_import,
					sync_oracle: sync_service.clone(),
					justification_sync_link: sync_service.clone(),
					create_inherent_data_providers: move |_, ()| async move {
						let timestamp = sp_timestamp::InherentDataProvider::from_system_time();
						let slot = sp_consensus_babe::inherents::InherentDataProvider::from_timestamp_and_slot_duration(
							*timestamp,
							slot_duration,
						);
						Ok((slot, timestamp))
					},
					force_authoring,
					backoff_authoring_blocks: Option::<()>::None,
					babe_link,
					block_proposal_slot_portion: SlotProportion::new(2f32 / 3f32),
					max_block_proposal_slot_portion: None,
					telemetry: telemetry.as_ref().map(|x| x.handle()),
				})?;
				// Authoring is essential: if it fails, the node stops.
				task_manager.spawn_essential_handle().spawn_blocking(
					"babe",
					Some("block-authoring"),
					babe,
				);
			}
			// BABE's epoch worker answers as long as a handle lives: for the node's lifetime.
			task_manager.spawn_handle().spawn("babe-worker-handle", None, async move {
				let _handle = babe_worker;
				futures::future::pending::<()>().await
			});

			if enable_grandpa {
				let keystore =
					if role.is_authority() { Some(keystore_container.keystore()) } else { None };
				let notification_service = grandpa_notification_service.ok_or_else(|| {
					ServiceError::Other("GRANDPA's notification service is missing".into())
				})?;
				let grandpa_params = sc_consensus_grandpa::GrandpaParams {
					config: sc_consensus_grandpa::Config {
						gossip_duration: Duration::from_millis(333),
						justification_generation_period: GRANDPA_JUSTIFICATION_PERIOD,
						name: Some(name),
						observer_enabled: false,
						keystore,
						local_role: role,
						telemetry: telemetry.as_ref().map(|x| x.handle()),
						protocol_name: grandpa_protocol_name,
					},
					link: grandpa_link,
					network,
					sync: Arc::new(sync_service),
					notification_service,
					voting_rule: sc_consensus_grandpa::VotingRulesBuilder::default().build(),
					prometheus_registry,
					shared_voter_state: SharedVoterState::empty(),
					telemetry: telemetry.as_ref().map(|x| x.handle()),
					offchain_tx_pool_factory: OffchainTransactionPoolFactory::new(transaction_pool),
				};
				task_manager.spawn_essential_handle().spawn_blocking(
					"grandpa-voter",
					None,
					sc_consensus_grandpa::run_grandpa_voter(grandpa_params)?,
				);
			}
		}
		ConsensusParts::Sealing { block_import, babe_link, inherents } => start_sealing(
			&task_manager,
			consensus,
			client,
			keystore_container.keystore(),
			(block_import, babe_link, inherents),
			transaction_pool,
			select_chain,
			proposer_factory,
		)?,
	}

	Ok(task_manager)
}

/// Puts the dev attestors' keys in the keystore: on a development chain (`--dev`) every
/// well-known account's (`//Alice` ... `//Ferdie`), which genesis ties to those accounts; with
/// `--alice`, `--bob`, ... on another chain, that account's. Operators add their own key with
/// `datdot-node key insert` or `author_insertKey` (`docs/OPERATORS.md`).
fn insert_dev_attestor_keys(
	config: &Configuration,
	keystore: &dyn sp_keystore::Keystore,
) -> Result<(), ServiceError> {
	let development = config.chain_spec.chain_type() == sc_service::ChainType::Development;
	for seed in dev_attestor_seeds(development, config.dev_key_seed.as_deref()) {
		keystore
			.sr25519_generate_new(datdot_primitives::attestor::KEY_TYPE, Some(&seed))
			.map_err(|e| ServiceError::Other(format!("cannot add the attestor key {seed}: {e}")))?;
	}
	Ok(())
}

/// The seeds of the dev attestor keys a node holds: every well-known account's on a
/// development chain, else the one of `--alice`-style flags, if any.
fn dev_attestor_seeds(development: bool, dev_key_seed: Option<&str>) -> Vec<String> {
	if development {
		// `to_seed` names the stash accounts `//AliceStash`; their keys are `//Alice//stash`.
		sp_keyring::Sr25519Keyring::well_known()
			.map(|k| format!("//{}", <&'static str>::from(k)))
			.collect()
	} else {
		dev_key_seed.map(String::from).into_iter().collect()
	}
}

/// Authors blocks without slots: on every transaction (instant seal) or on a timer (manual
/// seal), finalizing each one at once. The blocks still carry a BABE pre-digest (a VRF slot
/// claim with the dev authority's key, so the runtime's randomness is BABE's) and a timestamp
/// one slot after the parent's, so the runtime sees the same chain it sees under BABE: chain
/// time runs one slot per block, ahead of the wall clock when blocks come faster.
#[allow(clippy::too_many_arguments)]
fn start_sealing(
	task_manager: &TaskManager,
	consensus: Consensus,
	client: Arc<FullClient>,
	keystore: sp_keystore::KeystorePtr,
	(block_import, babe_link, create_inherent_data_providers): (
		SealBlockImport,
		BabeLink<Block>,
		SealInherents,
	),
	pool: Arc<sc_transaction_pool::TransactionPoolHandle<Block, FullClient>>,
	select_chain: FullSelectChain,
	proposer_factory: sc_basic_authorship::ProposerFactory<
		sc_transaction_pool::TransactionPoolHandle<Block, FullClient>,
		FullClient,
	>,
) -> Result<(), ServiceError> {
	let consensus_data_provider: Box<dyn sc_consensus_manual_seal::ConsensusDataProvider<Block>> =
		Box::new(
			sc_consensus_manual_seal::consensus::babe::BabeConsensusDataProvider::new(
				client.clone(),
				keystore,
				babe_link.epoch_changes().clone(),
				babe_link.config().authorities.clone(),
			)
			.map_err(|e| ServiceError::Other(format!("BABE sealing: {e}")))?,
		);

	match consensus {
		Consensus::ManualSeal(block_time_ms) => {
			let (mut sink, commands_stream) = futures::channel::mpsc::channel(1024);
			task_manager.spawn_handle().spawn("manual-seal-timer", None, async move {
				loop {
					futures_timer::Delay::new(Duration::from_millis(block_time_ms)).await;
					let command = sc_consensus_manual_seal::EngineCommand::SealNewBlock {
						create_empty: true,
						finalize: true,
						parent_hash: None,
						sender: None,
					};
					// The queue only fills when sealing stalls; then skipping a tick is right.
					let _ = sink.try_send(command);
				}
			});
			let params = sc_consensus_manual_seal::ManualSealParams {
				block_import,
				env: proposer_factory,
				client,
				pool,
				select_chain,
				commands_stream: Box::pin(commands_stream),
				consensus_data_provider: Some(consensus_data_provider),
				create_inherent_data_providers,
			};
			task_manager.spawn_essential_handle().spawn_blocking(
				"manual-seal",
				None,
				sc_consensus_manual_seal::run_manual_seal(params),
			);
		}
		_ => {
			let params = sc_consensus_manual_seal::InstantSealParams {
				block_import,
				env: proposer_factory,
				client,
				pool,
				select_chain,
				consensus_data_provider: Some(consensus_data_provider),
				create_inherent_data_providers,
			};
			task_manager.spawn_essential_handle().spawn_blocking(
				"instant-seal",
				None,
				sc_consensus_manual_seal::run_instant_seal_and_finalize(params),
			);
		}
	}
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::dev_attestor_seeds;
	use sp_core::{sr25519, Pair};
	use sp_keyring::Sr25519Keyring;

	#[test]
	fn a_dev_node_holds_every_well_known_accounts_key_and_a_local_node_its_own() {
		let seeds = dev_attestor_seeds(true, Some("//Alice"));
		assert_eq!(seeds.len(), 12);
		for (seed, account) in seeds.iter().zip(Sr25519Keyring::well_known()) {
			let pair = sr25519::Pair::from_string(seed, None).expect("a valid seed");
			assert_eq!(pair.public(), account.public(), "{seed}");
		}
		assert!(seeds.contains(&"//Bob//stash".to_string()));
		assert_eq!(dev_attestor_seeds(false, Some("//Bob")), vec!["//Bob".to_string()]);
		assert!(dev_attestor_seeds(false, None).is_empty());
	}
}
