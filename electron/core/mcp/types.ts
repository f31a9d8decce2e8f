// Types shared by the MCP server factory, its tools and its transports.
import type { z } from 'zod';
import type { DeviceStatus } from '../../../shared/domain';
import type { AlarmSystem } from '../alarms';
import type { EventBus } from '../bus';
import type { Clock } from '../clock';
import type { DetectionService } from '../detect';
import type { AgentGate, WaitResult } from '../governance';
import type { GovDecision } from '../../../shared/governance';
import type { LiveCache } from '../ingest';
import type { ManualIndex, ManualLibrary } from '../knowledge';
import type { ModelIndex } from '../model';
import type { Logger, Masker } from '../observability';
import type { ReadingsRepository } from '../store';
import type { McpConfig } from './config';
import type { IncidentRepository, ToolCallRepository } from './repository';

/** What the MCP server tells the immune system: vitals per run of calls, and each call's outcome as it happens. */
export interface VitalsSink {
  recordVitals(input: unknown): unknown;
  /** { agent_id, ts, outcome: served | blocked | invalid | rate_limited, tool }: the abuse signal (immune/abuse.ts). */
  recordCall?(input: unknown): unknown;
}

export interface McpDeps {
  config: McpConfig;
  /** The gateway's agent-facing face only: no operator decision, no registration, no key (finding 11). */
  governance: AgentGate;
  live: LiveCache;
  readings: ReadingsRepository;
  /** Device states of the simulator's device model (empty with real sensors). */
  deviceStatuses(): DeviceStatus[];
  /** One device's status (undefined without a simulator or for an unknown device). */
  deviceStatus(id: string): DeviceStatus | undefined;
  /** Every device the plant knows (the plant model's devices plus any that published). */
  knownDevices(): string[];
  /** The plant model in force (issue 15): tags, units, limits and commands of every device. */
  model(): ModelIndex;
  detection: DetectionService;
  alarms: AlarmSystem;
  manual: ManualIndex;
  /** The manual a device type's asset type names in the plant model (query_device_manual); absent: `manual` for every type. */
  manuals?: ManualLibrary;
  toolCalls: ToolCallRepository;
  incidents: IncidentRepository;
  immune?: VitalsSink | null;
  /** Per-run vitals aggregation in front of `immune` (the service creates it when absent). */
  runVitals?: import('./vitals').RunVitals | null;
  /** Token buckets of tools/call per agent and per agent and tool (the service creates it from config.rateLimits when absent). */
  limiter?: import('./limits').RateLimiter | null;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  /** Secret masker for agent input the server echoes (events, notes); default patterns when absent. */
  mask?: Masker;
  /** Server name/version announced in initialize. */
  serverInfo?: { name: string; version: string };
}

/** Who is calling, fixed per MCP session (HTTP) or per process (stdio standalone). */
export interface CallerIdentity {
  agentId: string;
  transport: 'http' | 'stdio' | 'in-memory';
}

export interface ToolContext {
  deps: McpDeps;
  agentId: string;
  caller?: CallerIdentity;
  /** All tools of this server by name (get_approval_status runs an approved call's tool). */
  registry?: ReadonlyMap<string, ToolSpec>;
  /** Wait for an operator's decision on an approval, with progress notifications when the client asked. */
  waitForApproval?(approvalId: string): Promise<WaitResult>;
  /** Self-governed tools (propose_plan) report the gateway's decision here for the call record. */
  report?(d: { decision: GovDecision; ruleId: string; policyVersion: string; approvalId?: string }): void;
  /** Intent token from the gateway (ALLOW of a gated tool, or an operator's approval). */
  token?: string;
  approvalId?: string;
  decidedBy?: string | null;
}

export interface ToolOutput<T> {
  structured: T;
  /** A short summary for clients that read only text. */
  text: string;
}

/** A failure the agent can act on: becomes a tool result with isError true. */
export class ToolFailure extends Error {
  constructor(
    message: string,
    readonly code = 'failed',
  ) {
    super(message);
    this.name = 'ToolFailure';
  }
}

export interface ToolAnnotationsSpec {
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

export interface ToolSpec<I extends z.ZodObject = z.ZodObject, O extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  annotations: ToolAnnotationsSpec;
  /**
   * Argument names that steer the server and are left out of what the gateway judges and hashes
   * (e.g. plan_id: which approved plan step this call is).
   */
  controlArgs?: readonly string[];
  /** Cheap checks before the gateway is asked (unknown device, unknown anomaly): no operator is bothered with a call that cannot work. */
  /** Devices the call touches that its arguments do not name (an anomaly's device): the gateway checks them against the agent's scope. */
  devicesOf?(args: z.infer<I>, deps: McpDeps): string[];
  precheck?(args: z.infer<I>, deps: McpDeps): void;
  /** The tool asks the gateway itself (propose_plan goes through gateway.submitPlan). */
  selfGoverned?: boolean;
  run(args: z.infer<I>, ctx: ToolContext): Promise<ToolOutput<z.infer<O>>> | ToolOutput<z.infer<O>>;
}

export function defineTool<I extends z.ZodObject, O extends z.ZodObject>(spec: ToolSpec<I, O>): ToolSpec<I, O> {
  return spec;
}
