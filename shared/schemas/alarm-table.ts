// Contract schemas of the master alarm table (issue 18): ISA-18.2's alarm rationalization record, one row
// per alarm the plant can raise. The plant model and the device manual's SOPs seed it; an edit
// (consequence, corrective action, severity, time to respond, reference, class) is stored per alarm id
// and applies from the alarm's next raise.
import { z } from 'zod';
import { ALARM_KINDS, ALARM_PRIORITIES } from '../anomalies';
import { ALARM_CLASSES, ALARM_TABLE_TYPES, CONSEQUENCE_SEVERITIES } from '../alarm-table';

export { ALARM_CLASSES, ALARM_TABLE_TYPES, CONSEQUENCE_SEVERITIES, type AlarmClass, type AlarmTableType, type ConsequenceSeverity } from '../alarm-table';

export const AlarmTableRowSchema = z.object({
  /** The alarm's id, as the alarm system raises it. */
  id: z.string(),
  /** Device id (or subsystem: broker, storage, connector:<id>). */
  source: z.string(),
  /** The tag of a limit alarm ("line-1/compressor-01/temperature"); null for the others. */
  tag: z.string().nullable(),
  type: z.enum(ALARM_TABLE_TYPES),
  kind: z.enum(ALARM_KINDS),
  /** The limit that trips it (from the plant model; change it there) and its unit. */
  setpoint: z.number().nullable(),
  unit: z.string(),
  /** Severity × time to respond gives the priority; null for anomaly alarms (their episode's severity decides). */
  severity: z.enum(CONSEQUENCE_SEVERITIES).nullable(),
  respond_min: z.number().nullable(),
  priority: z.enum(ALARM_PRIORITIES).nullable(),
  /** How the priority follows, in words. */
  priority_basis: z.string(),
  consequence: z.string().nullable(),
  action: z.string().nullable(),
  /** Where the text comes from: "SOP 2.1". */
  reference: z.string().nullable(),
  class: z.enum(ALARM_CLASSES),
  /** Who last changed the row and when (wall clock); null while it is the seed. */
  changed_by: z.string().nullable(),
  changed_at: z.number().nullable(),
  /** An edit kept for an alarm the model in force no longer has. */
  orphaned: z.boolean(),
});
export type AlarmTableRow = z.infer<typeof AlarmTableRowSchema>;

const text = z.string().trim().max(1000);

export const alarmTableRequests = {
  'alarmTable.list': { params: z.strictObject({}), result: z.array(AlarmTableRowSchema) },
  /** Change one row; fields left out keep their value, null returns a text to "no rationalization yet". */
  'alarmTable.update': {
    params: z.strictObject({
      id: z.string().min(1).max(256),
      consequence: text.min(1).nullable().optional(),
      action: text.min(1).nullable().optional(),
      reference: z.string().trim().min(1).max(100).nullable().optional(),
      severity: z.enum(CONSEQUENCE_SEVERITIES).optional(),
      respond_min: z.number().positive().max(1440).optional(),
      class: z.enum(ALARM_CLASSES).optional(),
      /** Why (management of change): recorded in the audit. */
      reason: z.string().trim().min(1, 'a reason is required').max(2000),
    }),
    result: AlarmTableRowSchema,
  },
};

export const alarmTableEvents = {
  'alarmTable.changed': AlarmTableRowSchema,
};
