// The MQTT JSON mapping, pure: which tags a topic carries (an index built once per model, so a message
// costs O(tags in it), not O(all tags)), how a payload becomes tag samples, and the inverse (encode) the
// simulator, tests and the bench publish with.
import { fillPlaceholders, parseJsonPath, type MqttJsonSettings, type PathSegment } from '../../../shared/schemas/connectors';
import type { PlantModelView } from '../../../shared/schemas/model';
import type { BoundTag, ConnectorRejectReason, SampleQuality, TagSample } from './types';

interface Binding {
  tag: string;
  device_id: string;
  key: string;
  bool: boolean;
  value: PathSegment[];
  quality: PathSegment[] | null;
}

interface TopicEntry {
  all: Binding[];
  byDevice: Map<string, Binding[]>;
}

export interface MqttJsonIndex {
  topics: Map<string, TopicEntry>;
  /** What to subscribe to: one wildcard filter per topic pattern, plus the tags' own literal topics. */
  filters: string[];
  devices: ReadonlySet<string>;
  device: PathSegment[] | null;
  timestamp: { path: PathSegment[]; format: 'iso8601' | 'epoch_ms' | 'epoch_s' } | null;
}

/** A path compiler that parses each distinct path once (10,000 tags usually share a handful of paths). */
function pathCompiler(): (path: string) => PathSegment[] {
  const compiled = new Map<string, PathSegment[]>();
  return (path) => {
    let segs = compiled.get(path);
    if (!segs) {
      const r = parseJsonPath(path);
      // The model loader refused bad paths already; an unparsable one here is a bug, not input.
      if (!r.ok) throw new Error(r.message);
      compiled.set(path, (segs = r.segments));
    }
    return segs;
  };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The tags of a model bound to one connector, with their placeholder values. */
export function bindTags(model: PlantModelView, connectorId: string): BoundTag[] {
  const out: BoundTag[] = [];
  for (const a of model.assets) {
    for (const t of a.tags) {
      if (t.source.connector !== connectorId) continue;
      out.push({ view: t, vars: { site: model.site.id, area: a.area, line: a.line, asset: a.asset, device: a.id, tag: t.key } });
    }
  }
  return out;
}

/** The subscription filter of a topic pattern: every level a placeholder fills becomes '+' ({device} is two levels: line/asset). */
export function filterOf(pattern: string): string {
  const mark = '\u0000';
  const filled = fillPlaceholders(pattern, { site: mark, area: mark, line: mark, asset: mark, device: `${mark}/${mark}`, tag: mark });
  return filled
    .split('/')
    .map((level) => (level.includes(mark) ? '+' : level))
    .join('/');
}

export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

export function buildIndex(settings: MqttJsonSettings, tags: readonly BoundTag[]): MqttJsonIndex {
  const compile = pathCompiler();
  const topics = new Map<string, TopicEntry>();
  const patternFilters = new Set<string>();
  const literal = new Set<string>();
  const devices = new Set<string>();
  for (const { view, vars } of tags) {
    const own = str(view.source.topic);
    // The model loader makes sure every tag has a topic from one or the other.
    const topic = own ?? fillPlaceholders(settings.topic ?? '', vars);
    if (own) literal.add(own);
    else if (settings.topic) patternFilters.add(filterOf(settings.topic));
    const quality = str(view.source.quality) ?? (settings.quality ? fillPlaceholders(settings.quality, vars) : undefined);
    const b: Binding = {
      tag: view.id,
      device_id: view.device_id,
      key: view.key,
      bool: view.type === 'bool',
      value: compile(str(view.source.value) ?? fillPlaceholders(settings.value, vars)),
      quality: quality ? compile(quality) : null,
    };
    let e = topics.get(topic);
    if (!e) topics.set(topic, (e = { all: [], byDevice: new Map() }));
    e.all.push(b);
    const list = e.byDevice.get(b.device_id);
    if (list) list.push(b);
    else e.byDevice.set(b.device_id, [b]);
    devices.add(view.device_id);
  }
  const filters = [...patternFilters];
  for (const t of literal) if (!filters.some((f) => topicMatches(f, t))) filters.push(t);
  return {
    topics,
    filters,
    devices,
    device: settings.device_field ? compile(settings.device_field) : null,
    timestamp: settings.timestamp ? { path: compile(settings.timestamp.path), format: settings.timestamp.format } : null,
  };
}

function get(root: unknown, segs: readonly PathSegment[]): unknown {
  let v = root;
  for (const s of segs) {
    if (v === null || typeof v !== 'object') return undefined;
    if (typeof s === 'number') v = Array.isArray(v) ? v[s] : undefined;
    else v = !Array.isArray(v) && Object.hasOwn(v, s) ? (v as Record<string, unknown>)[s] : undefined;
  }
  return v;
}

const NON_FINITE_TEXT = new Set(['NaN', 'Infinity', '-Infinity']);

/** The time of a timestamp field in its format, or NaN. */
export function parseTimestamp(raw: unknown, format: 'iso8601' | 'epoch_ms' | 'epoch_s'): number {
  if (format === 'iso8601') return typeof raw === 'string' && raw.length <= 64 ? Date.parse(raw) : NaN;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
  return format === 'epoch_s' ? Math.round(n * 1000) : n;
}

/** A quality field: 'good' | 'uncertain' | 'bad', a boolean, or an OPC-style status code (≥ 192 good, ≥ 64 uncertain). */
export function parseQuality(raw: unknown): SampleQuality | undefined {
  if (raw === undefined || raw === true) return undefined;
  if (raw === false) return { level: 'bad', reason: 'source', detail: 'false' };
  if (typeof raw === 'number') {
    if (raw >= 192) return undefined;
    return { level: raw >= 64 ? 'uncertain' : 'bad', reason: 'source', detail: String(raw) };
  }
  const s = typeof raw === 'string' ? raw.toLowerCase() : '';
  if (s === 'good' || s === 'ok') return undefined;
  if (s === 'bad') return { level: 'bad', reason: 'source', detail: s };
  return { level: 'uncertain', reason: 'source', detail: JSON.stringify(raw).slice(0, 64) };
}

export type Decoded = { ok: true; samples: TagSample[]; bad: number } | { ok: false; reason: ConnectorRejectReason; detail: string };

export interface DecodeOptions {
  maxPayloadBytes: number;
  plantNow(deviceId: string): number;
  window: { pastMs: number; futureMs: number };
}

const iso = (ts: number) => (Math.abs(ts) <= 8.64e15 ? new Date(ts).toISOString() : String(ts));
const fail = (reason: ConnectorRejectReason, detail: string): Decoded => ({ ok: false, reason, detail });

/** One message → the samples of the tags it carries, or the reason it is refused whole. */
export function decodeMessage(index: MqttJsonIndex, topic: string, payload: Buffer, opts: DecodeOptions): Decoded {
  if (payload.length > opts.maxPayloadBytes) return fail('oversize', `${payload.length} bytes > ${opts.maxPayloadBytes}`);
  let root: unknown;
  try {
    root = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    return fail('bad_json', (err as Error).message);
  }
  if (root === null || typeof root !== 'object') return fail('schema', 'payload: not a JSON object or array');
  const entry = index.topics.get(topic);
  let bindings: Binding[] | undefined;
  if (index.device) {
    const d = get(root, index.device);
    if (typeof d !== 'string') return fail('schema', `device field: expected a string, got ${d === undefined ? 'nothing' : typeof d}`);
    bindings = entry?.byDevice.get(d);
    if (!bindings) {
      if (!index.devices.has(d)) return fail('unknown_device', d);
      return fail('topic_mismatch', `topic ${topic} carries no tags of ${d}`);
    }
  } else {
    bindings = entry?.all;
    if (!bindings) return fail('unknown_device', `no tag is bound to topic ${topic}`);
  }
  const first = bindings[0];
  if (!first) return fail('unknown_device', `no tag is bound to topic ${topic}`);
  const now = opts.plantNow(first.device_id);
  let ts = now;
  if (index.timestamp) {
    const raw = get(root, index.timestamp.path);
    if (raw === undefined) return fail('schema', 'timestamp: missing');
    ts = parseTimestamp(raw, index.timestamp.format);
    if (!Number.isFinite(ts)) return fail('bad_timestamp', `${JSON.stringify(raw).slice(0, 64)} is no ${index.timestamp.format} timestamp`);
    if (ts > now + opts.window.futureMs || ts < now - opts.window.pastMs) {
      return fail(
        'bad_timestamp',
        `${iso(ts)} is outside [${new Date(now - opts.window.pastMs).toISOString()}, ${new Date(now + opts.window.futureMs).toISOString()}] around the plant clock`,
      );
    }
  }
  const samples: TagSample[] = [];
  let bad = 0;
  for (const b of bindings) {
    const raw = get(root, b.value);
    if (raw === undefined) continue;
    let value: number | null = null;
    if (typeof raw === 'number') {
      // JSON has no NaN, but 1e999 parses to Infinity.
      if (!Number.isFinite(raw)) return fail('non_finite', `${b.key} is ${raw}`);
      value = raw;
    } else if (typeof raw === 'string' && NON_FINITE_TEXT.has(raw)) return fail('non_finite', `${b.key} is ${raw}`);
    else if (typeof raw === 'boolean' && b.bool) value = raw ? 1 : 0;
    const s: TagSample = { tag: b.tag, device_id: b.device_id, key: b.key, ts, value };
    if (value === null) {
      bad++;
      s.quality = { level: 'bad', reason: 'bad_payload', detail: `${b.key}: expected a number, got ${raw === null ? 'null' : typeof raw}` };
    } else if (b.quality) {
      const q = parseQuality(get(root, b.quality));
      if (q) s.quality = q;
    }
    samples.push(s);
  }
  if (samples.length === 0) return fail('schema', `payload carries none of the ${bindings.length} tag(s) bound to ${topic}`);
  return { ok: true, samples, bad };
}

function setPath(root: Record<string, unknown>, segs: readonly PathSegment[], value: unknown): void {
  let node: Record<string | number, unknown> = root;
  segs.forEach((s, i) => {
    if (i === segs.length - 1) {
      node[s] = value;
      return;
    }
    const next = segs[i + 1];
    let child = node[s];
    if (child === null || typeof child !== 'object') node[s] = child = typeof next === 'number' ? [] : {};
    node = child as Record<string | number, unknown>;
  });
}

function formatTimestamp(ts: number, format: 'iso8601' | 'epoch_ms' | 'epoch_s'): string | number {
  return format === 'iso8601' ? new Date(ts).toISOString() : format === 'epoch_ms' ? ts : ts / 1000;
}

/**
 * The inverse mapping: the messages a source in the model's format would publish for these samples
 * (one per topic, device and time). Paths are written as plain objects and arrays.
 */
export function createMqttJsonEncoder(
  settings: MqttJsonSettings,
  tags: readonly BoundTag[],
): (samples: ReadonlyArray<{ tag: string; ts: number; value: number }>) => Array<{ topic: string; payload: string }> {
  const index = buildIndex(settings, tags);
  const where = new Map<string, { topic: string; binding: Binding }>();
  for (const [topic, e] of index.topics) for (const b of e.all) where.set(b.tag, { topic, binding: b });
  return (samples) => {
    const messages = new Map<string, { topic: string; body: Record<string, unknown> }>();
    for (const s of samples) {
      const w = where.get(s.tag);
      if (!w) throw new Error(`tag ${s.tag} is not bound to connector ${settings.id}`);
      const key = `${w.topic}\u0000${index.device ? w.binding.device_id : ''}\u0000${index.timestamp ? s.ts : ''}`;
      let m = messages.get(key);
      if (!m) {
        const body: Record<string, unknown> = {};
        if (index.device) setPath(body, index.device, w.binding.device_id);
        if (index.timestamp) setPath(body, index.timestamp.path, formatTimestamp(s.ts, index.timestamp.format));
        messages.set(key, (m = { topic: w.topic, body }));
      }
      setPath(m.body, w.binding.value, s.value);
    }
    return [...messages.values()].map((m) => ({ topic: m.topic, payload: JSON.stringify(m.body) }));
  };
}

/** One-shot form of createMqttJsonEncoder. */
export function encodeMqttJson(
  settings: MqttJsonSettings,
  tags: readonly BoundTag[],
  samples: ReadonlyArray<{ tag: string; ts: number; value: number }>,
): Array<{ topic: string; payload: string }> {
  return createMqttJsonEncoder(settings, tags)(samples);
}
