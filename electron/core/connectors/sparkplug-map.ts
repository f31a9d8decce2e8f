// The Sparkplug B mapping, pure: topics of the spBv1.0 namespace, which tag a (node, device, metric)
// is, and how a metric's value, quality and time become a tag sample. The connector (sparkplug.ts)
// keeps the per-node session state (births, aliases, sequence numbers) and the MQTT link.
import { get as sparkplugNamespace } from 'sparkplug-payload';
import type { UMetric, UPayload } from 'sparkplug-payload/lib/sparkplugbpayload';
import { fillPlaceholders } from '../../../shared/schemas/connectors';
import type { SparkplugSettings } from '../../../shared/schemas/connectors-sparkplug';
import type { BoundTag, SampleQuality, TagSample } from './types';

export type { UMetric, UPayload };

export const NAMESPACE = 'spBv1.0';
export const REBIRTH_METRIC = 'Node Control/Rebirth';
export const BDSEQ_METRIC = 'bdSeq';
/** The DCMD / NCMD metric carrying one governed command: String, the CommandMessage JSON ({args, intent_token}). */
export const COMMAND_METRIC = 'AegisFlow/Command';
/** The DDATA / NDATA metric the edge answers with: String, the verifier's CommandAck JSON (jti, status, code, reason). */
export const ACK_METRIC = 'AegisFlow/CommandAck';

const codec = (() => {
  const c = sparkplugNamespace(NAMESPACE);
  if (!c) throw new Error(`sparkplug-payload has no ${NAMESPACE} codec`);
  return c;
})();

export const encodePayload = (p: UPayload): Buffer => Buffer.from(codec.encodePayload(p));
/** Throws on anything that is not a Sparkplug B protobuf payload. */
export const decodePayload = (b: Uint8Array): UPayload => codec.decodePayload(b);

export type MessageType = 'NBIRTH' | 'NDEATH' | 'DBIRTH' | 'DDEATH' | 'NDATA' | 'DDATA' | 'NCMD' | 'DCMD';
const TYPES = new Set<string>(['NBIRTH', 'NDEATH', 'DBIRTH', 'DDEATH', 'NDATA', 'DDATA', 'NCMD', 'DCMD']);

export interface SpTopic {
  group: string;
  type: MessageType;
  node: string;
  /** '' for node messages. */
  device: string;
}

/** spBv1.0/<group>/<type>/<node>[/<device>]; null for anything else (STATE, other namespaces). */
export function parseTopic(topic: string): SpTopic | null {
  const p = topic.split('/');
  if (p[0] !== NAMESPACE || p.length < 4 || p.length > 5) return null;
  const [, group = '', type = '', node = '', device = ''] = p;
  if (!TYPES.has(type)) return null;
  const isDevice = type.startsWith('D');
  if (isDevice !== (p.length === 5)) return null;
  return { group, type: type as MessageType, node, device };
}

export const topicOf = (group: string, type: MessageType, node: string, device = '') => `${NAMESPACE}/${group}/${type}/${node}${device ? `/${device}` : ''}`;
export const stateTopic = (hostId: string) => `${NAMESPACE}/STATE/${hostId}`;

/** A Long (protobufjs) or a number as a number. */
export function num(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'object' && v !== null && 'toNumber' in v && typeof v.toNumber === 'function') {
    const n: unknown = v.toNumber();
    return typeof n === 'number' ? n : null;
  }
  return null;
}

export interface SpBinding {
  tag: string;
  device_id: string;
  key: string;
}

/** Where one (node, device) is bound: its metrics by name, and the AegisFlow assets it feeds. */
export interface SpIndex {
  /** `${node}\0${device}` -> metric name -> binding. */
  byAddress: Map<string, Map<string, SpBinding>>;
  /** AegisFlow device id -> its Sparkplug address (the first tag's: where its commands go). */
  commandAddress: Map<string, { node: string; device: string }>;
  /** node -> tags of that node and of all its devices (what an NDEATH marks bad). */
  byNode: Map<string, SpBinding[]>;
}

export const addressKey = (node: string, device: string) => `${node}\u0000${device}`;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function buildSparkplugIndex(settings: SparkplugSettings, tags: readonly BoundTag[]): SpIndex {
  const byAddress = new Map<string, Map<string, SpBinding>>();
  const commandAddress = new Map<string, { node: string; device: string }>();
  const byNode = new Map<string, SpBinding[]>();
  for (const { view, vars } of tags) {
    // A tag's own fields were filled by the model loader; the connector's patterns are filled here.
    const node = str(view.source.node) ?? fillPlaceholders(settings.node, vars);
    const device = str(view.source.device) ?? fillPlaceholders(settings.device, vars);
    const metric = str(view.source.metric) ?? fillPlaceholders(settings.metric, vars);
    const b: SpBinding = { tag: view.id, device_id: view.device_id, key: view.key };
    const k = addressKey(node, device);
    let metrics = byAddress.get(k);
    if (!metrics) byAddress.set(k, (metrics = new Map()));
    metrics.set(metric, b);
    if (!commandAddress.has(view.device_id)) commandAddress.set(view.device_id, { node, device });
    const list = byNode.get(node);
    if (list) list.push(b);
    else byNode.set(node, [b]);
  }
  return { byAddress, commandAddress, byNode };
}

/** The metric's own quality: a "Quality" property with an OPC-style code (≥ 192 good, ≥ 64 uncertain, else bad). */
function qualityOf(m: UMetric): SampleQuality | undefined {
  const q = m.properties?.Quality ?? m.properties?.quality;
  const code = q ? num(q.value) : null;
  if (code === null || code >= 192) return undefined;
  return { level: code >= 64 ? 'uncertain' : 'bad', reason: 'source', detail: `Sparkplug quality ${code}` };
}

/**
 * One metric of a message as a sample of its tag; a string when its timestamp is outside the accepted window
 * (the message is refused). `ts` is the metric's timestamp, else the payload's, else the arrival time. A
 * null metric (is_null) or a value that is no number is a bad value (reason bad_payload for the latter).
 * One object per metric: at 100,000 values/s every allocation per value shows.
 */
export function sampleOf(b: SpBinding, m: UMetric, payloadTs: number | null, arrival: number, window: { from: number; to: number }): TagSample | string {
  const ts = (m.timestamp === undefined || m.timestamp === null ? null : num(m.timestamp)) ?? payloadTs ?? arrival;
  if (!Number.isFinite(ts) || ts < window.from || ts > window.to) return `metric ${m.name ?? m.alias}: timestamp ${ts} outside the accepted window`;
  const raw = m.isNull ? null : m.value;
  if (raw === null || raw === undefined)
    return { tag: b.tag, device_id: b.device_id, key: b.key, ts, value: null, quality: { level: 'bad', reason: 'source', detail: 'is_null' } };
  const value = typeof raw === 'number' ? raw : typeof raw === 'boolean' ? (raw ? 1 : 0) : num(raw);
  if (value === null || !Number.isFinite(value))
    return {
      tag: b.tag,
      device_id: b.device_id,
      key: b.key,
      ts,
      value: null,
      quality: { level: 'bad', reason: 'bad_payload', detail: `metric of type ${m.type} is no number` },
    };
  const quality = m.properties ? qualityOf(m) : undefined;
  return quality ? { tag: b.tag, device_id: b.device_id, key: b.key, ts, value, quality } : { tag: b.tag, device_id: b.device_id, key: b.key, ts, value };
}
