// ISA-18.2 / IEC 62682 alarm vocabulary and config. Figures from the standard and EEMUA 191:
// chattering = ≥3 activations in 60 s; flood = >10 alarms in 10 min, over when <5 in 10 min;
// shelving is timed (default 15 min here); stale = active for more than 24 h.
import { z } from 'zod';

export {
  ALARM_STATES,
  ALARM_PRIORITIES,
  ALARM_KINDS,
  priorityOfSeverity,
  type AlarmState,
  type AlarmPriority,
  type AlarmKind,
  type Alarm,
  type AlarmChange,
  type AlarmHistoryEntry,
  type FloodStatus,
  type AlarmStats,
} from '../../../shared/anomalies';

export const AlarmConfigSchema = z.object({
  /** Condition must hold this long before the alarm activates (on-delay), and be gone this long before it clears (off-delay). */
  onDelayMs: z.number().int().min(0).default(0),
  offDelayMs: z.number().int().min(0).default(0),
  /** Timed shelving: default and maximum duration. */
  shelveDefaultMs: z
    .number()
    .int()
    .positive()
    .default(15 * 60_000),
  shelveMaxMs: z
    .number()
    .int()
    .positive()
    .default(8 * 3_600_000),
  chatterCount: z.number().int().min(2).default(3),
  chatterWindowMs: z.number().int().positive().default(60_000),
  /** Flood: more than floodCount annunciations in floodWindowMs; ends below floodEndCount. */
  floodCount: z.number().int().positive().default(10),
  floodEndCount: z.number().int().positive().default(5),
  floodWindowMs: z
    .number()
    .int()
    .positive()
    .default(10 * 60_000),
  staleMs: z
    .number()
    .int()
    .positive()
    .default(24 * 3_600_000),
  /** How often shelving expiry and delays are checked by the live service (ms). */
  tickMs: z.number().int().positive().default(1000),
});
export type AlarmConfig = z.infer<typeof AlarmConfigSchema>;
