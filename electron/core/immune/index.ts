// Public face of the immune system (seed 001): vitals → baselines → sentinel → diagnosis →
// quarantine → approval → healing ladder → immune memory and fleet learning; simulated fleet and
// chaos injection; the ingest handler for external agents; contract handlers for the Immune pane.
export { ImmuneConfigSchema, type ImmuneConfig } from './config';
export { ImmuneService, type ImmuneServiceDeps, type RecordResult } from './service';
export { immuneMigrations, createImmuneRepository, type ImmuneRepository } from './repository';
export { handleIngestRequest, type IngestRequest, type IngestResponse, type IngestReply } from './ingest';
export { createSimulatedFleet, type SimulatedFleet, type SimAgentInfo } from './fleet';
export { registerImmuneApi } from './api';
export { detectInfection, DEFAULT_SENTINEL, type SentinelOptions } from './sentinel';
export { diagnose } from './diagnosis';
export { HEALING_POLICIES, planLadder, fleetPatterns } from './healing';
export type { AgentControl, HealingActuator, ActionOutcome } from './ports';
export * from './schemas';
export { createGovernanceControl } from './governance-control';
