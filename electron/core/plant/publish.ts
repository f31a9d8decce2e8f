// How the simulated devices publish: in the format of the connector each tag is bound to, so what the
// simulator sends is what that plant's real sources would send (the demo's flat JSON per device, the
// water plant's one message per tag, ...). Only MQTT JSON connectors can be simulated.
//
// Interim: this holds a small encoder of its own (topic pattern, dotted value path, timestamp, device
// field) and reads the connectors' settings from the model file; the connector module's
// createMqttJsonEncoder replaces both once it is on main.
import fs from 'node:fs';
import type { PlantModelView, TagView } from '../../../shared/schemas/model';
import { parseYaml } from '../yaml';

export interface TagValue {
  /** Tag id. */
  tag: string;
  ts: number;
  value: number;
}

export interface OutMessage {
  topic: string;
  payload: string;
}

export type Encoder = (samples: readonly TagValue[]) => OutMessage[];

type Settings = Record<string, unknown>;

/** The connectors' settings as the model file spells them (the resolved view keeps only id and type). */
export function connectorSettings(model: PlantModelView): Settings[] {
  let text: string;
  try {
    text = fs.readFileSync(model.file, 'utf8');
  } catch {
    return [];
  }
  const y = parseYaml(text);
  if (!y.ok) return [];
  const data = y.doc.data;
  const list = typeof data === 'object' && data !== null && 'connectors' in data ? data.connectors : null;
  return Array.isArray(list) ? list.filter((c): c is Settings => typeof c === 'object' && c !== null) : [];
}

const PLACEHOLDER = /\{(site|area|line|asset|device|tag)\}/g;
const fill = (pattern: string, vars: Record<string, string>) => pattern.replace(PLACEHOLDER, (m, k: string) => vars[k] ?? m);

/** "$.a.b", "$['a b']" → segments. */
function pathSegments(p: string): string[] {
  const out: string[] = [];
  const re = /\.([A-Za-z0-9_-]+)|\[(?:'([^']*)'|"([^"]*)"|(\d+))\]/g;
  for (const m of p.slice(1).matchAll(re)) out.push(m[1] ?? m[2] ?? m[3] ?? m[4] ?? '');
  return out;
}

function setPath(obj: Record<string, unknown>, segs: readonly string[], value: unknown): void {
  let cur = obj;
  segs.forEach((s, i) => {
    if (i === segs.length - 1) cur[s] = value;
    else {
      const next = cur[s];
      if (typeof next === 'object' && next !== null && !Array.isArray(next)) cur = next as Record<string, unknown>;
      else cur = cur[s] = {};
    }
  });
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** An encoder for every MQTT JSON connector of the model; a tag bound to another type is not published. */
export function createModelEncoder(model: PlantModelView, settings: readonly Settings[] = connectorSettings(model)): Encoder {
  const byId = new Map(settings.map((s) => [String(s.id), s]));
  const where = new Map<string, { topic: string; device: string; value: string[]; spec: Settings }>();
  for (const a of model.assets) {
    for (const t of a.tags) {
      const spec = byId.get(t.source.connector);
      if (!spec || spec.type !== 'mqtt-json') continue;
      const vars = { site: model.site.id, area: a.area, line: a.line, asset: a.asset, device: a.id, tag: t.key };
      const topic = str(t.source.topic) ?? str(spec.topic);
      if (!topic) continue;
      const value = str(t.source.value) ?? str(spec.value) ?? '$.{tag}';
      where.set(t.id, { topic: fill(topic, vars), device: a.id, value: pathSegments(fill(value, vars)), spec });
    }
  }
  return (samples) => {
    const messages = new Map<string, { topic: string; body: Record<string, unknown> }>();
    for (const s of samples) {
      const w = where.get(s.tag);
      if (!w) continue;
      const key = `${w.topic}\u0000${w.device}\u0000${s.ts}`;
      let m = messages.get(key);
      if (!m) {
        const body: Record<string, unknown> = {};
        const deviceField = str(w.spec.device_field);
        if (deviceField) setPath(body, pathSegments(deviceField), w.device);
        const ts = w.spec.timestamp;
        if (typeof ts === 'object' && ts !== null && 'path' in ts && typeof ts.path === 'string') {
          const format = 'format' in ts ? ts.format : 'iso8601';
          setPath(body, pathSegments(ts.path), format === 'epoch_ms' ? s.ts : format === 'epoch_s' ? s.ts / 1000 : new Date(s.ts).toISOString());
        }
        messages.set(key, (m = { topic: w.topic, body }));
      }
      setPath(m.body, w.value, s.value);
    }
    return [...messages.values()].map((m) => ({ topic: m.topic, payload: JSON.stringify(m.body) }));
  };
}

/** The samples of one device's frame, in the model's tag order (so a device message lists its tags as the model does). */
export function frameSamples(tags: readonly TagView[], ts: number, values: Readonly<Record<string, number>>): TagValue[] {
  const out: TagValue[] = [];
  for (const t of tags) {
    const v = values[t.key];
    if (v !== undefined) out.push({ tag: t.id, ts, value: v });
  }
  return out;
}
