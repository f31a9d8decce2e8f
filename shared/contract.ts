// The one typed contract between the core and every UI transport (Electron IPC, the WebSocket
// bridge of serve mode). Each subsystem adds its requests and events to shared/schemas/ and here; a renamed channel or
// changed payload breaks the build instead of the operator's shift.
// Type-only: the schemas (and zod) stay out of the renderer bundle; the constants below are plain.
import type { z } from 'zod';
import type { EVENT_SCHEMAS, REQUEST_SCHEMAS } from './schemas';
import type { BaseRole } from './operators';

export type { IngestCounters, SimulatorStatus, PlantSnapshot, ReadingColumns, TagSeries, IncidentView, ScenarioInfo } from './schemas/plant';

export interface ErrorInfo {
  code: string;
  message: string;
}
export type Reply<T> = { ok: true; result: T } | { ok: false; error: ErrorInfo };

type RequestSchemas = typeof REQUEST_SCHEMAS;
export type RequestName = keyof RequestSchemas;
/** What a caller sends (fields with a default may be left out). */
export type RequestParams<N extends RequestName> = z.input<RequestSchemas[N]['params']>;
/** What a handler receives: validated by the core's registry, defaults applied. */
export type ValidParams<N extends RequestName> = z.output<RequestSchemas[N]['params']>;
export type RequestResult<N extends RequestName> = z.output<RequestSchemas[N]['result']>;
/** Request name → params and result. */
export type RequestMap = { [N in RequestName]: { params: RequestParams<N>; result: RequestResult<N> } };

/** Event name → payload. The core's bus carries these; UIs receive the ones in UI_EVENTS. */
export type EventMap = { [E in keyof typeof EVENT_SCHEMAS]: z.output<(typeof EVENT_SCHEMAS)[E]> };
export type EventName = keyof EventMap;

/** Events forwarded to user interfaces (IPC / WebSocket). */
export const UI_EVENTS = [
  'plant.model',
  'readings',
  'readings.dropped',
  'broker.connection',
  'connector.status',
  'simulator.status',
  // A jump of the replay (seek, loop…): with kept timestamps the plant clock can move back, and the control room says so.
  'simulator.discontinuity',
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
  'logbook.entry',
  'handover.changed',
  'annotation.added',
  'alarmTable.changed',
] as const satisfies readonly EventName[];

/**
 * Every request at run time, with the least role a caller's session must hold (shared/operators.ts:
 * viewer < operator < supervisor < admin). The core's request registry refuses a caller without it,
 * whatever the transport; the preload generates one named method per entry, and the WebSocket bridge
 * accepts only these. `satisfies` turns a request missing here into a compile error.
 */
export const REQUEST_ROLES = {
  'plant.model': 'viewer',
  'plant.snapshot': 'viewer',
  'connectors.status': 'viewer',
  'connectors.trust': 'operator',
  'plant.history': 'viewer',
  'simulator.control': 'operator',
  'simulator.scenarios': 'viewer',
  'simulator.clockSegments': 'viewer',
  'plant.range': 'viewer',
  'plant.tagRange': 'viewer',
  'approvals.list': 'viewer',
  'approvals.decide': 'operator',
  'approvals.preview': 'viewer',
  'approvals.decideAll': 'operator',
  'agents.list': 'viewer',
  'agents.pause': 'operator',
  'agents.revive': 'operator',
  'agents.killAll': 'operator',
  'agents.setScope': 'admin',
  'agents.restoreTrust': 'supervisor',
  'agents.create': 'admin',
  'agents.rotateToken': 'admin',
  'agents.remove': 'admin',
  'agents.manifest': 'viewer',
  'incidents.list': 'viewer',
  'audit.query': 'viewer',
  'audit.verify': 'viewer',
  'audit.export': 'viewer',
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
  'logbook.add': 'operator',
  'logbook.list': 'viewer',
  'handover.create': 'operator',
  'handover.list': 'viewer',
  'handover.ack': 'operator',
  'annotations.add': 'operator',
  'annotations.list': 'viewer',
  'alarms.report': 'operator',
  'alarmTable.list': 'viewer',
  'alarmTable.update': 'admin',
} as const satisfies Record<RequestName, BaseRole>;
export const REQUEST_NAMES = Object.keys(REQUEST_ROLES) as RequestName[];
