// Contract schemas of the operator logbook and the shift handover (issue 18). Times are epoch ms; plantTs
// is the plant clock (the replay's or the readings'), ts the wall clock.
import { z } from 'zod';

const ids = z.array(z.string().min(1).max(256)).max(50);

export const LogLinksSchema = z.strictObject({
  alarms: ids.optional(),
  devices: ids.optional(),
  approvals: ids.optional(),
  annotations: ids.optional(),
});
export type LogLinks = z.infer<typeof LogLinksSchema>;

export const LogEntrySchema = z.object({
  id: z.number(),
  ts: z.number(),
  plantTs: z.number().nullable(),
  operator: z.string(),
  text: z.string(),
  links: LogLinksSchema,
});
export type LogEntry = z.infer<typeof LogEntrySchema>;

export const HandoverSchema = z.object({
  id: z.string(),
  createdAt: z.number(),
  plantTs: z.number().nullable(),
  createdBy: z.string(),
  /** The report as Markdown (what is exported, printed, acknowledged). */
  markdown: z.string(),
  counts: z.object({
    openAlarms: z.number(),
    shelvedAlarms: z.number(),
    pendingApprovals: z.number(),
    stoppedAgents: z.number(),
    blockedCalls: z.number(),
    openEpisodes: z.number(),
    notes: z.number(),
  }),
  ackedAt: z.number().nullable(),
  ackedBy: z.string().nullable(),
});
export type Handover = z.infer<typeof HandoverSchema>;

export const shiftRequests = {
  'logbook.add': { params: z.strictObject({ text: z.string().trim().min(1).max(4000), links: LogLinksSchema.optional() }), result: LogEntrySchema },
  'logbook.list': {
    params: z.strictObject({ limit: z.number().int().min(1).max(1000).optional(), before: z.number().optional() }),
    result: z.array(LogEntrySchema),
  },
  /** Prepare the handover report of the shift now ending (everything since the last acknowledged handover). */
  'handover.create': { params: z.strictObject({ note: z.string().trim().max(4000).optional() }), result: HandoverSchema },
  'handover.list': { params: z.strictObject({ limit: z.number().int().min(1).max(100).optional() }), result: z.array(HandoverSchema) },
  /** The incoming operator acknowledges a handover (not the one who wrote it). */
  'handover.ack': { params: z.strictObject({ id: z.string().min(1).max(64) }), result: HandoverSchema },
};

export const shiftEvents = {
  'logbook.entry': LogEntrySchema,
  'handover.changed': HandoverSchema,
};

/**
 * An operator's note pinned to a time on a trend (issue 18): `plantTs` is the instant it is pinned to on
 * the plant clock (what the trend's x axis shows), `ts` the wall clock when it was written. `tag` is the
 * tag key of `deviceId` it belongs to, or null for the whole device.
 */
export const AnnotationSchema = z.object({
  id: z.string(),
  ts: z.number(),
  plantTs: z.number(),
  deviceId: z.string(),
  tag: z.string().nullable(),
  author: z.string(),
  text: z.string(),
});
export type Annotation = z.infer<typeof AnnotationSchema>;

export const annotationRequests = {
  'annotations.add': {
    params: z.strictObject({
      plantTs: z.number().int().positive(),
      deviceId: z.string().trim().min(1).max(256),
      tag: z.string().trim().min(1).max(128).optional(),
      text: z.string().trim().min(1).max(500),
    }),
    result: AnnotationSchema,
  },
  /** Newest first; of these devices (all when left out), pinned within [from, to] on the plant clock. */
  'annotations.list': {
    params: z.strictObject({
      deviceIds: z.array(z.string().min(1).max(256)).max(50).optional(),
      from: z.number().optional(),
      to: z.number().optional(),
      limit: z.number().int().min(1).max(1000).optional(),
    }),
    result: z.array(AnnotationSchema),
  },
};

export const annotationEvents = {
  'annotation.added': AnnotationSchema,
};
