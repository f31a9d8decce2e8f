// The OPC UA mapping, pure: which node each tag reads with what sampling interval and deadband, how a
// DataValue becomes a tag sample (StatusCode → quality, source timestamp), and how a command method's
// answer becomes the device's reply.
import { fillPlaceholders } from '../../../shared/schemas/connectors';
import type { OpcUaDeadband, OpcUaSettings, OpcUaSource } from '../../../shared/schemas/connectors-opcua';
import type { DeviceReply } from '../broker';
import type { BoundTag, SampleQuality } from './types';

export interface OpcUaItem {
  tag: string;
  device_id: string;
  key: string;
  nodeId: string;
  samplingMs: number;
  /** Absolute deadband in engineering units (0: every change). */
  deadband: number;
}

const absolute = (d: OpcUaDeadband | undefined, [lo, hi]: readonly [number, number]): number =>
  d === undefined ? 0 : typeof d === 'number' ? d : ((hi - lo) * d.percent) / 100;

/** The monitored item of each bound tag. A percent deadband is turned into engineering units with the tag's range. */
export function opcUaItems(settings: OpcUaSettings, tags: readonly BoundTag[]): OpcUaItem[] {
  return tags.map(({ view, vars }) => {
    // The model loader validated the binding against OpcUaSourceSchema; the view keeps its fields.
    const src = view.source as Partial<OpcUaSource>;
    return {
      tag: view.id,
      device_id: view.device_id,
      key: view.key,
      nodeId: src.node ?? fillPlaceholders(settings.node, vars),
      // Twice the tag's rate: sampled at exactly the period its value changes, jitter would alias (one value missed, the next sampled twice).
      samplingMs: src.sampling_ms ?? Math.round(view.sampling_s * 500),
      deadband: absolute(src.deadband ?? settings.deadband, view.range),
    };
  });
}

/** Items grouped by (sampling interval, deadband): each group is created with one set of monitoring parameters. */
export function groupItems(items: readonly OpcUaItem[], maxPerGroup = 1000): OpcUaItem[][] {
  const by = new Map<string, OpcUaItem[]>();
  for (const it of items) {
    const k = `${it.samplingMs}|${it.deadband}`;
    const list = by.get(k) ?? [];
    list.push(it);
    by.set(k, list);
  }
  const out: OpcUaItem[][] = [];
  for (const list of by.values()) for (let i = 0; i < list.length; i += maxPerGroup) out.push(list.slice(i, i + maxPerGroup));
  return out;
}

/** What a server allows one client (its ServerCapabilities; 0: not published, no known limit). */
export interface ServerLimits {
  subscriptionsPerSession: number;
  itemsPerSubscription: number;
  /** Monitored items over all sessions. */
  items: number;
  /** Monitored items one CreateMonitoredItems call may create (OperationLimits). */
  itemsPerCall: number;
}

export const NO_LIMITS: ServerLimits = { subscriptionsPerSession: 0, itemsPerSubscription: 0, items: 0, itemsPerCall: 0 };

/** The limits as the status and the log name them. */
export const limitsText = (l: ServerLimits): string => {
  const n = (v: number) => (v ? String(v) : 'any');
  return `the server's limits: ${n(l.subscriptionsPerSession)} subscriptions per session, ${n(l.itemsPerSubscription)} monitored items per subscription, ${n(l.items)} in all`;
};

/** A service refused for one of the server's limits (BadTooManySubscriptions, …MonitoredItems, …Operations). */
export const tooMany = (err: unknown): boolean => /BadTooMany/.test((err as Error).message);

export interface SubscriptionPlan {
  /** Per subscription its CreateMonitoredItems calls, each one set of monitoring parameters. */
  subscriptions: OpcUaItem[][][];
  /** The items the server's limits leave no room for. */
  left: OpcUaItem[];
}

/**
 * The subscriptions for the items within the server's limits: `preferred` items each (a server caps the
 * notifications of one publish response, node-opcua at 1,000, so fewer, larger subscriptions fall behind
 * sooner), more each when the server allows fewer subscriptions than that needs; what does not fit at all
 * is `left`.
 */
export function planSubscriptions(items: readonly OpcUaItem[], limits: ServerLimits, preferred = 1000): SubscriptionPlan {
  const cap = (n: number) => (n > 0 ? n : Infinity);
  const ordered = groupItems(items, Infinity).flat();
  const room = Math.min(cap(limits.items), cap(limits.subscriptionsPerSession) * cap(limits.itemsPerSubscription), ordered.length);
  const kept = ordered.slice(0, room);
  const count = Math.max(
    Math.min(Math.ceil(kept.length / preferred), cap(limits.subscriptionsPerSession)),
    Math.ceil(kept.length / cap(limits.itemsPerSubscription)),
  );
  const per = Math.ceil(kept.length / Math.max(count, 1));
  const perCall = cap(limits.itemsPerCall);
  const subscriptions: OpcUaItem[][][] = [];
  for (let i = 0; i < kept.length; i += per) {
    const calls: OpcUaItem[][] = [];
    for (const group of groupItems(kept.slice(i, i + per), Infinity)) for (let j = 0; j < group.length; j += perCall) calls.push(group.slice(j, j + perCall));
    subscriptions.push(calls);
  }
  return { subscriptions, left: ordered.slice(room) };
}

/** The command method of a device: the object it belongs to and the method node. */
export function commandNodes(settings: OpcUaSettings, vars: BoundTag['vars']): { objectId: string; methodId: string } {
  return { objectId: fillPlaceholders(settings.command.object, vars), methodId: fillPlaceholders(settings.command.method, vars) };
}

/** The parts of a StatusCode the mapping needs (node-opcua's StatusCode has them). */
export interface StatusLike {
  value: number;
  name: string;
}

/** Good: one answer for every good value (the common case), not an object per value. */
const GOOD: { readonly keep: true } = Object.freeze({ keep: true });

/**
 * OPC UA status → quality. The top two bits are the severity: 00 Good, 01 Uncertain, 10/11 Bad
 * (Part 4, 7.39). Uncertain keeps the value, marked; Bad carries no usable value.
 */
export function qualityOf(status: StatusLike): { keep: boolean; quality?: SampleQuality } {
  const severity = status.value >>> 30;
  if (severity === 0) return GOOD;
  if (severity === 1) return { keep: true, quality: { level: 'uncertain', reason: 'source', detail: status.name } };
  return { keep: false, quality: { level: 'bad', reason: 'source', detail: status.name } };
}

/** A Variant's value as a number: numbers, booleans (1 / 0) and 64-bit integers ([high, low] words); else null. */
export function numericValue(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'number') return v[0] * 0x1_0000_0000 + v[1];
  return null;
}

/** The device's acknowledgement (the method's String output, electron/edge/verifier.ts CommandAck) as the gateway's reply. */
export function replyOf(output: unknown): DeviceReply {
  if (typeof output !== 'string') return { status: 'refused', code: 'malformed_ack', reason: 'the command method answered no acknowledgement text' };
  let ack: unknown;
  try {
    ack = JSON.parse(output);
  } catch {
    return { status: 'refused', code: 'malformed_ack', reason: 'the command method answered text that is not JSON' };
  }
  if (ack && typeof ack === 'object' && 'status' in ack) {
    const a = ack as { status: unknown; code?: unknown; reason?: unknown };
    if (a.status === 'accepted') return { status: 'accepted' };
    const text = (v: unknown, dflt: string) => (typeof v === 'string' ? v : dflt);
    if (a.status === 'refused') return { status: 'refused', code: text(a.code, 'refused'), reason: text(a.reason, '') };
  }
  return { status: 'refused', code: 'malformed_ack', reason: 'the acknowledgement has no status accepted / refused' };
}
