//! The node's services: client, transaction pool, networking, block authoring (Aura + GRANDPA or
//! manual/instant sealing), offchain workers and RPC.

use std::{sync::Arc, time::Duration};

use datdot_runtime::{opaque::Block, RuntimeApi};
use futures::FutureExt;
use sc_client_api::{Backend, BlockBackend};
use sc_consensus_aura::{ImportQueueParams, SlotProportion, StartAuraParams};
use sc_consensus_grandpa::SharedVoterState;
use sc_service::{error::Error as ServiceError, Configuration, TaskManager, WarpSyncConfig};
use sc_telemetry::{Telemetry, TelemetryWorker};
use sc_transaction_pool_api::OffchainTransactionPoolFactory;
use sp_consensus_aura::sr25519::{AuthorityId as AuraId, AuthorityPair as AuraPair};
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

/// Blocks between two GRANDPA justifications that are kept.
const GRANDPA_JUSTIFICATION_PERIOD: u32 = 512;

/// What Aura + GRANDPA need beyond the client; absent under manual or instant sealing.
pub struct GrandpaParts {
	block_import: GrandpaBlockImport,
	link: GrandpaLink,
}

/// The parts of the node that chain-ops subcommands need too.
pub type Service = sc_service::PartialComponents<
	FullClient,
	FullBackend,
	FullSelectChain,
	sc_consensus::DefaultImportQueue<Block>,
	sc_transaction_pool::TransactionPoolHandle<Block, FullClient>,
	(Option<GrandpaParts>, Option<Telemetry>),
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

	let (import_queue, grandpa) = match consensus {
		Consensus::Aura => {
			let (block_import, link) = sc_consensus_grandpa::block_import(
				client.clone(),
				GRANDPA_JUSTIFICATION_PERIOD,
				&client,
				select_chain.clone(),
				telemetry.as_ref().map(|x| x.handle()),
			)?;
			let cidp_client = client.clone();
			let import_queue = sc_consensus_aura::import_queue::<AuraPair, _, _, _, _, _>(
				ImportQueueParams {
					block_import: block_import.clone(),
					justification_import: Some(Box::new(block_import.clone())),
					client: client.clone(),
					create_inherent_data_providers: move |parent_hash, _| {
						let cidp_client = cidp_client.clone();
						async move {
							let slot_duration = sc_consensus_aura::standalone::slot_duration_at(
								&*cidp_client,
								parent_hash,
							)?;
							let timestamp = sp_timestamp::InherentDataProvider::from_system_time();
							let slot = sp_consensus_aura::inherents::InherentDataProvider::from_timestamp_and_slot_duration(
								*timestamp,
								slot_duration,
							);
							Ok((slot, timestamp))
						}
					},
					spawner: &task_manager.spawn_essential_handle(),
					registry: config.prometheus_registry(),
					check_for_equivocation: Default::default(),
					telemetry: telemetry.as_ref().map(|x| x.handle()),
					compatibility_mode: Default::default(),
				},
			)?;
			(import_queue, Some(GrandpaParts { block_import, link }))
		}
		Consensus::InstantSeal | Consensus::ManualSeal(_) => (
			sc_consensus_manual_seal::import_queue(
				Box::new(client.clone()),
				&task_manager.spawn_essential_handle(),
				config.prometheus_registry(),
			),
			None,
		),
	};

	Ok(sc_service::PartialComponents {
		client,
		backend,
		task_manager,
		import_queue,
		keystore_container,
		select_chain,
		transaction_pool,
		other: (grandpa, telemetry),
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
		other: (grandpa, mut telemetry),
	} = new_partial(&config, consensus)?;

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
	if let Some(parts) = &grandpa {
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
				parts.link.shared_authority_set().clone(),
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

	match (consensus, grandpa) {
		(Consensus::Aura, Some(GrandpaParts { block_import, link })) => {
			if role.is_authority() {
				let slot_duration = sc_consensus_aura::slot_duration::<AuraId, _, _>(&*client)?;
				let aura = sc_consensus_aura::start_aura::<AuraPair, _, _, _, _, _, _, _, _, _, _>(
					StartAuraParams {
						slot_duration,
						client: client.clone(),
						select_chain,
						block_import,
						proposer_factory,
						create_inherent_data_providers: move |_, ()| async move {
							let timestamp = sp_timestamp::InherentDataProvider::from_system_time();
							let slot = sp_consensus_aura::inherents::InherentDataProvider::from_timestamp_and_slot_duration(
								*timestamp,
								slot_duration,
							);
							Ok((slot, timestamp))
						},
						force_authoring,
						backoff_authoring_blocks: Option::<()>::None,
						keystore: keystore_container.keystore(),
						sync_oracle: sync_service.clone(),
						justification_sync_link: sync_service.clone(),
						block_proposal_slot_portion: SlotProportion::new(2f32 / 3f32),
						max_block_proposal_slot_portion: None,
						telemetry: telemetry.as_ref().map(|x| x.handle()),
						compatibility_mode: Default::default(),
					},
				)?;
				// Authoring is essential: if it fails, the node stops.
				task_manager.spawn_essential_handle().spawn_blocking(
					"aura",
					Some("block-authoring"),
					aura,
				);
			}

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
					link,
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
		(Consensus::InstantSeal, _) | (Consensus::ManualSeal(_), _) => start_sealing(
			&task_manager,
			consensus,
			client,
			transaction_pool,
			select_chain,
			proposer_factory,
		),
		(Consensus::Aura, None) => {
			return Err(ServiceError::Other("Aura needs the GRANDPA block import".into()))
		}
	}

	Ok(task_manager)
}

/// Authors blocks without slots: on every transaction (instant seal) or on a timer (manual
/// seal), finalizing each one at once. The blocks still carry an Aura pre-digest and a
/// timestamp one slot after the parent's, so the runtime sees the same chain it sees under Aura:
/// chain time runs one slot per block, ahead of the wall clock when blocks come faster.
fn start_sealing(
	task_manager: &TaskManager,
	consensus: Consensus,
	client: Arc<FullClient>,
	pool: Arc<sc_transaction_pool::TransactionPoolHandle<Block, FullClient>>,
	select_chain: FullSelectChain,
	proposer_factory: sc_basic_authorship::ProposerFactory<
		sc_transaction_pool::TransactionPoolHandle<Block, FullClient>,
		FullClient,
	>,
) {
	let cidp_client = client.clone();
	let create_inherent_data_providers = move |_, ()| {
		let client = cidp_client.clone();
		async move {
			let timestamp =
				sc_consensus_manual_seal::consensus::timestamp::SlotTimestampProvider::new_aura(
					client,
				)
				.map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)?;
			let slot = sp_consensus_aura::inherents::InherentDataProvider::new(timestamp.slot());
			Ok((slot, timestamp))
		}
	};
	let consensus_data_provider =
		|| -> Option<Box<dyn sc_consensus_manual_seal::ConsensusDataProvider<Block>>> {
			Some(Box::new(
				sc_consensus_manual_seal::consensus::aura::AuraConsensusDataProvider::new(
					client.clone(),
				),
			))
		};

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
				block_import: client.clone(),
				env: proposer_factory,
				client: client.clone(),
				pool,
				select_chain,
				commands_stream: Box::pin(commands_stream),
				consensus_data_provider: consensus_data_provider(),
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
				block_import: client.clone(),
				env: proposer_factory,
				client: client.clone(),
				pool,
				select_chain,
				consensus_data_provider: consensus_data_provider(),
				create_inherent_data_providers,
			};
			task_manager.spawn_essential_handle().spawn_blocking(
				"instant-seal",
				None,
				sc_consensus_manual_seal::run_instant_seal_and_finalize(params),
			);
		}
	}
}
