// Every contract message as a zod schema: each request's params and result, each event's payload.
// shared/contract.ts infers the TypeScript types from these (type-only imports); the core's request
// registry validates every request's params with them. Only the core loads this file at run time:
// the renderer imports types, so zod stays out of its bundle.
import type { z } from 'zod';
import { agentEvents, agentRequests } from './agent';
import { anomalyEvents, anomalyRequests } from './anomalies';
import { governanceEvents, governanceRequests } from './governance';
import { immuneEvents, immuneRequests } from './immune';
import { mcpEvents, mcpRequests } from './mcp';
import { operatorRequests } from './operators';
import { plantEvents, plantRequests } from './plant';
import { annotationEvents, annotationRequests, shiftEvents, shiftRequests } from './shift';
import { alarmReportRequests } from './alarm-report';
import { alarmTableEvents, alarmTableRequests } from './alarm-table';

/** Request name → { params, result } schemas. Params are strict objects: an unknown key is refused. */
export const REQUEST_SCHEMAS = {
  ...plantRequests,
  ...governanceRequests,
  ...operatorRequests,
  ...immuneRequests,
  ...anomalyRequests,
  ...mcpRequests,
  ...agentRequests,
  ...shiftRequests,
  ...annotationRequests,
  ...alarmReportRequests,
  ...alarmTableRequests,
} satisfies Record<string, { params: z.ZodType; result: z.ZodType }>;

/** Event name → payload schema. The core's bus carries these; UIs receive the ones in UI_EVENTS. */
export const EVENT_SCHEMAS = {
  ...plantEvents,
  ...governanceEvents,
  ...immuneEvents,
  ...anomalyEvents,
  ...mcpEvents,
  ...agentEvents,
  ...shiftEvents,
  ...annotationEvents,
  ...alarmTableEvents,
} satisfies Record<string, z.ZodType>;
