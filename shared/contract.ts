// The one typed contract between the core and every UI transport (Electron IPC, the WebSocket
// bridge of serve mode). Each subsystem adds its requests and events here; a renamed channel or
// changed payload breaks the build instead of the operator's shift.
import type { DeviceStatus, Reading, ScenarioType, TimedReading } from './domain';
import type { Alarm, AlarmChange, AlarmHistoryEntry, AlarmState, AlarmStats, Episode, EpisodePage, EpisodeQuery, FloodStatus } from './anomalies';
import type {
  AgentScope,
  AgentView,
  ApprovalStatus,
  ApprovalView,
  AuditQuery,
  AuditRowView,
  AuditVerifyResult,
  GovDecision,
  PolicyInfo,
  PolicyProblemView,
} from './governance';
import type {
  ApprovalRecord as ImmuneApprovalRecord,
  ChaosType,
  FleetPattern,
  HealingLogEntry,
  ImmuneAgent,
  ImmuneOverview,
  Infection,
  MemoryEntry,
  VitalsSample,
} from './immune';
import type { McpCallEvent, McpInfo, McpRateLimitedEvent, McpToolCallView } from './mcp';
import type { BaseRole, OperatorAccount } from './operators';
import type { AgentRunRequest, AgentRunResult, AgentStepView, DemoStatus, DemoStepView, TraceDetail, TraceSummary } from './agent';

export interface ErrorInfo {
  code: string;
  message: string;
}
export type Reply<T> = { ok: true; result: T } | { ok: false; error: ErrorInfo };

export interface IngestCounters {
  received: number;
  stored: number;
  rejected: number;
  /** Rejections per reason code (bad_json, schema, unknown_device, non_finite, bad_timestamp, implausible, oversize, topic_mismatch). */
  rejectedByReason: Record<string, number>;
  /** Ingest's link to the broker: false during an outage of an external broker (the UI shows a banner). */
  brokerConnected: boolean;
  /** Since when (core clock, ms) the link is in its current state. */
  brokerSince: number;
  /** Outages of the broker link since start. */
  brokerOutages: number;
  /** Readings received but not yet stored because the database refused the write (disk full): kept in memory and retried. */
  unstoredWaiting: number;
  /** Readings given up because more than ingest could hold waited for the disk (counted, never silent). */
  unstoredDropped: number;
}

export interface SimulatorStatus {
  running: boolean;
  paused: boolean;
  speed: number;
  /** Position in the dataset, as simulated time (ISO) and as a row index. */
  simTime: string | null;
  rowIndex: number;
  totalRows: number;
  published: number;
  finished: boolean;
}

export interface PlantSnapshot {
  devices: Array<DeviceStatus & { latest: Reading | null }>;
  simulator: SimulatorStatus;
  ingest: IngestCounters;
}

/** Readings as columns: ts in epoch ms, one array per sensor, same length. */
export interface ReadingColumns {
  device_id: string;
  ts: number[];
  temperature: number[];
  pressure: number[];
  vibration: number[];
  humidity: number[];
  power: number[];
}

/** An incident report (log_incident_report by an agent), as the control room lists it. */
export interface IncidentView {
  id: string;
  ts: number;
  agent_id: string | null;
  device_id: string;
  anomaly_id: string | null;
  anomaly_type: string | null;
  severity: string;
  title: string;
  root_cause: string;
  actions_taken: string;
  outcome: string | null;
  lessons_learned: string | null;
  manual_sections: string[];
}

export interface ScenarioInfo {
  type: ScenarioType;
  device_id: string;
  startHour: number;
  endHour: number;
}

/** Request name → params and result. */
export interface RequestMap {
  'plant.snapshot': { params: Record<string, never>; result: PlantSnapshot };
  'plant.history': {
    params: { device_id: string; limit?: number };
    result: Reading[];
  };
  'simulator.control': {
    params:
      | { action: 'pause' | 'resume' }
      | { action: 'speed'; speed: number }
      | { action: 'seek'; simTime: string }
      | { action: 'jump'; scenario: ScenarioType; leadSeconds?: number };
    result: SimulatorStatus;
  };
  'simulator.scenarios': { params: Record<string, never>; result: ScenarioInfo[] };
  /** Stored readings of one device as columns (trend history; issue 7). Evenly thinned to maxPoints. */
  'plant.range': { params: { device_id: string; from: number; to: number; maxPoints?: number }; result: ReadingColumns };
  // governance (issue 5)
  'approvals.list': { params: { status?: ApprovalStatus; limit?: number }; result: ApprovalView[] };
  'approvals.decide': {
    params: { id: string; verdict: 'approve' | 'reject'; comment?: string };
    result: ApprovalView;
  };
  'approvals.decideAll': {
    params: { verdict: 'approve' | 'reject'; comment?: string };
    result: { decided: number; ids: string[] };
  };
  'agents.list': { params: Record<string, never>; result: AgentView[] };
  'agents.pause': { params: { id: string; reason?: string }; result: AgentView };
  'agents.revive': { params: { id: string }; result: AgentView };
  'agents.killAll': { params: { reason?: string }; result: { paused: string[] } };
  'agents.setScope': { params: { id: string; scope: AgentScope }; result: AgentView };
  /** Undo the immune system's overlays on an agent: full autonomy again and every revoked tool back. */
  'agents.restoreTrust': { params: { id: string }; result: AgentView };
  /** Register an agent; its bearer token is in the result once and never again (issue 7). */
  /** Incident reports, newest first (issue 7's Incidents pane). */
  'incidents.list': { params: { device_id?: string; text?: string; limit?: number; offset?: number }; result: { items: IncidentView[]; total: number } };
  'agents.create': { params: { name: string; role?: string; model?: string; scope?: AgentScope }; result: { agent: AgentView; token: string } };
  'audit.query': { params: AuditQuery; result: AuditRowView[] };
  'audit.verify': { params: Record<string, never>; result: AuditVerifyResult };
  'policy.get': { params: Record<string, never>; result: PolicyInfo };
  'policy.promote': {
    params: { approvalId: string; decision: 'ALLOW' | 'BLOCK' };
    result: { ruleId: string; version: string };
  };
  // operator accounts (issue 13): admins manage them; anyone logged in may change their own password
  'operators.list': { params: Record<string, never>; result: OperatorAccount[] };
  'operators.add': { params: { name: string; password: string; roles: string[] }; result: OperatorAccount };
  'operators.setRoles': { params: { id: string; roles: string[] }; result: OperatorAccount };
  'operators.remove': { params: { id: string }; result: { removed: string } };
  /** An admin sets anyone's password; others only their own (with their current password). */
  'operators.setPassword': { params: { id: string; password: string; currentPassword?: string }; result: { changed: true } };
  // immune system (issue 9)
  'immune.overview': { params: { limit?: number }; result: ImmuneOverview };
  'immune.agent': {
    params: { agent_id: string };
    result: { agent: ImmuneAgent; vitals: VitalsSample[]; healing: HealingLogEntry[]; memory: MemoryEntry[] };
  };
  'immune.approvals.decide': { params: { id: number; verdict: 'approve' | 'reject' }; result: ImmuneApprovalRecord };
  'immune.approvals.decideAll': { params: { verdict: 'approve' | 'reject' }; result: { decided: number; ids: number[] } };
  'immune.healNow': { params: { agent_id: string }; result: { started: boolean } };
  'immune.healAll': { params: Record<string, never>; result: { started: number } };
  'immune.chaos': { params: { type: ChaosType; agent_id?: string }; result: { agent_id: string; type: ChaosType } };
  'immune.patterns': { params: Record<string, never>; result: { patterns: FleetPattern[]; memory: MemoryEntry[] } };
  // detection and alarms (issue 4)
  'anomalies.active': { params: Record<string, never>; result: Episode[] };
  'anomalies.list': { params: EpisodeQuery; result: EpisodePage };
  'anomalies.acknowledge': { params: { id: string; note?: string }; result: Episode };
  'alarms.list': { params: { states?: AlarmState[]; source?: string; attention?: boolean }; result: Alarm[] };
  'alarms.acknowledge': { params: { id: string; note?: string }; result: Alarm };
  /** Timed shelving: reason required; minutes default 15. */
  'alarms.shelve': { params: { id: string; reason: string; minutes?: number }; result: Alarm };
  'alarms.unshelve': { params: { id: string; reason?: string }; result: Alarm };
  'alarms.outOfService': { params: { id: string; reason: string; out_of_service: boolean }; result: Alarm };
  'alarms.history': { params: { id?: string; limit?: number; before?: number }; result: AlarmHistoryEntry[] };
  'alarms.stats': { params: Record<string, never>; result: AlarmStats & { flood: FloodStatus } };
  // MCP server (issue 6)
  'mcp.info': { params: Record<string, never>; result: McpInfo };
  'mcp.calls': { params: { agentId?: string; tool?: string; limit?: number; beforeId?: number }; result: McpToolCallView[] };
  // operator agent, demo and traces (issue 8)
  /** Start an agent run; with wait the reply carries the result (runs may wait minutes for an operator). */
  'agent.run': { params: AgentRunRequest & { wait?: boolean }; result: { accepted: true; result: AgentRunResult | null } };
  'agent.status': {
    params: Record<string, never>;
    result: {
      enabled: boolean;
      agentId: string;
      planner: 'rule' | 'llm';
      model: string | null;
      onAnomaly: boolean;
      running: { runId: string; traceId: string; deviceId: string | null } | null;
      queued: number;
    };
  };
  /** Run the seed's demo on this core (approve 'operator': the demo waits for a real click). */
  'demo.run': { params: { approve?: 'auto' | 'operator' }; result: { accepted: boolean; reason: string | null } };
  'demo.status': { params: Record<string, never>; result: DemoStatus };
  'traces.list': { params: { limit?: number; before?: number }; result: TraceSummary[] };
  'traces.get': { params: { traceId: string }; result: TraceDetail };
}
export type RequestName = keyof RequestMap;
export type RequestParams<N extends RequestName> = RequestMap[N]['params'];
export type RequestResult<N extends RequestName> = RequestMap[N]['result'];

/** Event name → payload. The core's bus carries these; UIs receive the ones in UI_EVENTS. */
export interface EventMap {
  /** A validated batch of readings, in arrival order. High rate: UIs get it throttled. */
  readings: TimedReading[];
  'ingest.rejected': { reason: string; topic: string; detail: string };
  /** Ingest lost or regained its broker (external broker outages). */
  'broker.connection': { connected: boolean; url: string; at: number; downMs?: number };
  /** Ingest's writes to SQLite failed (ok false: e.g. the disk is full) or work again. */
  'ingest.storage': { ok: boolean; at: number; error?: string; waiting: number };
  'simulator.status': SimulatorStatus;
  /** A known break in the replayed data (seek, speed change, resume after pause, loop back to the start):
   *  detection re-settles instead of taking the jump for an anomaly. ts: the next published reading time. */
  'simulator.discontinuity': { kind: 'seek' | 'speed' | 'resume' | 'loop'; ts: number };
  'device.status': DeviceStatus;
  'device.command': { device_id: string; command: string; params: Record<string, unknown>; issued_by?: string };
  // governance (issue 5)
  'approval.created': ApprovalView;
  /** Still pending, but changed: a first approval under the two-person rule. */
  'approval.updated': ApprovalView;
  'approval.decided': ApprovalView;
  'agent.changed': AgentView | { id: string; removed: true };
  'audit.appended': { seq: number; ts: number; kind: string; agentId: string | null; tool: string | null; decision: string | null };
  'policy.loaded':
    | { ok: true; version: string; previousVersion: string | null; file: string; rules: number; failSafe: false; status: null }
    | { ok: false; file: string; keptVersion: string | null; problems: PolicyProblemView[]; failSafe: boolean; status: string | null };
  /** Every gateway decision (for traces, vitals and the immune system). */
  'governance.decision': { agentId: string | null; tool: string; decision: GovDecision; ruleId: string; reason: string; ts: number };
  // immune system (issue 9)
  'immune.infection': Infection;
  'immune.quarantine': { agent_id: string; quarantined: boolean; reason: string };
  'immune.healing': HealingLogEntry;
  'immune.approval': ImmuneApprovalRecord;
  'immune.agent': ImmuneAgent;
  // detection and alarms (issue 4)
  'anomaly.opened': Episode;
  'anomaly.updated': Episode;
  'anomaly.closed': Episode;
  'alarm.changed': AlarmChange;
  'alarm.flood': FloodStatus;
  // MCP server (issue 6): every tools/call, after the gateway and the tool ran
  'mcp.call': McpCallEvent;
  /** A tools/call refused by a per-agent or per-tool rate limit (finding 10), for the immune system. */
  'mcp.rate_limited': McpRateLimitedEvent;
  // operator agent and demo (issue 8)
  'agent.run.started': { runId: string; traceId: string; agentId: string; deviceId: string | null; trigger: string; planner: string };
  'agent.step': AgentStepView;
  'agent.run.finished': AgentRunResult;
  'demo.step': DemoStepView;
  'demo.finished': DemoStatus;
}
export type EventName = keyof EventMap;

/** Events forwarded to user interfaces (IPC / WebSocket). */
export const UI_EVENTS = [
  'readings',
  'broker.connection',
  'simulator.status',
  'device.status',
  'device.command',
  'approval.created',
  'approval.updated',
  'approval.decided',
  'agent.changed',
  'audit.appended',
  'policy.loaded',
  'immune.infection',
  'immune.quarantine',
  'immune.healing',
  'immune.approval',
  'immune.agent',
  'anomaly.opened',
  'anomaly.updated',
  'anomaly.closed',
  'alarm.changed',
  'alarm.flood',
  'mcp.call',
  'agent.run.started',
  'agent.step',
  'agent.run.finished',
  'demo.step',
  'demo.finished',
] as const satisfies readonly EventName[];

/**
 * Every request at run time, with the least role a caller's session must hold (shared/operators.ts:
 * viewer < operator < supervisor < admin). The core's request registry refuses a caller without it,
 * whatever the transport; the preload generates one named method per entry, and the WebSocket bridge
 * accepts only these. `satisfies` turns a request missing here into a compile error.
 */
export const REQUEST_ROLES = {
  'plant.snapshot': 'viewer',
  'plant.history': 'viewer',
  'simulator.control': 'operator',
  'simulator.scenarios': 'viewer',
  'plant.range': 'viewer',
  'approvals.list': 'viewer',
  'approvals.decide': 'operator',
  'approvals.decideAll': 'operator',
  'agents.list': 'viewer',
  'agents.pause': 'operator',
  'agents.revive': 'operator',
  'agents.killAll': 'operator',
  'agents.setScope': 'admin',
  'agents.restoreTrust': 'supervisor',
  'agents.create': 'admin',
  'incidents.list': 'viewer',
  'audit.query': 'viewer',
  'audit.verify': 'viewer',
  'policy.get': 'viewer',
  'policy.promote': 'supervisor',
  'operators.list': 'admin',
  'operators.add': 'admin',
  'operators.setRoles': 'admin',
  'operators.remove': 'admin',
  'operators.setPassword': 'viewer',
  'immune.overview': 'viewer',
  'immune.agent': 'viewer',
  'immune.approvals.decide': 'operator',
  'immune.approvals.decideAll': 'operator',
  'immune.healNow': 'operator',
  'immune.healAll': 'operator',
  'immune.chaos': 'supervisor',
  'immune.patterns': 'viewer',
  'anomalies.active': 'viewer',
  'anomalies.list': 'viewer',
  'anomalies.acknowledge': 'operator',
  'alarms.list': 'viewer',
  'alarms.acknowledge': 'operator',
  'alarms.shelve': 'operator',
  'alarms.unshelve': 'operator',
  'alarms.outOfService': 'supervisor',
  'alarms.history': 'viewer',
  'alarms.stats': 'viewer',
  'mcp.info': 'viewer',
  'mcp.calls': 'viewer',
  'agent.run': 'operator',
  'agent.status': 'viewer',
  'demo.run': 'operator',
  'demo.status': 'viewer',
  'traces.list': 'viewer',
  'traces.get': 'viewer',
} as const satisfies Record<RequestName, BaseRole>;
export const REQUEST_NAMES = Object.keys(REQUEST_ROLES) as RequestName[];
