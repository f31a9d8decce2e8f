// `aegisflow plant import-sparkplug URL`: a draft plant model from the births seen on a broker. Each
// Sparkplug edge node becomes a line, each device an asset (the node's own metrics an asset named after
// the node), each numeric or boolean metric a tag bound by (node, device, metric). Births say a metric's
// name, type and (often) its unit and engineering range; data seen while listening gives the spread and
// the sampling period. What the births cannot say (limits, commands, the areas) is marked CHECK.
import fs from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import { BROKER_URL, TLS_URL, withoutLogin } from '../../../shared/schemas/connectors-broker';
import { parseModel } from '../../core/model';
import { formatProblems } from '../../core/yaml';
import { usageError } from '../common';
import {
  decodeSparkplug as decodePayload,
  encodeSparkplug as encodePayload,
  parseSparkplugTopic as parseTopic,
  REBIRTH_METRIC,
  sparkplugNumber as num,
  sparkplugTopic as topicOf,
  tlsHint,
  type UMetric,
} from '../../core/connectors';
import { slug } from './plant-import';

export interface ObservedMetric {
  name: string;
  type: string;
  unit: string;
  /** engLow / engHigh properties of the birth, when it had them. */
  eng: [number, number] | null;
  min: number | null;
  max: number | null;
  /** Arrival times of its values (birth and data), for the sampling period. */
  times: number[];
}

export interface ObservedDevice {
  group: string;
  node: string;
  /** '' for the node's own metrics. */
  device: string;
  metrics: Map<string, ObservedMetric>;
  /** The birth's aliases: data may name a metric by alias only. */
  aliases: Map<number, string>;
}

export interface Observed {
  /** By `${group}/${node}/${device}` (`${group}/${node}` for the node itself), in order of their births. */
  devices: Map<string, ObservedDevice>;
  /** Nodes or devices that sent data but no birth while we listened. */
  unborn: Set<string>;
  messages: number;
}

export interface ListenOptions {
  /** One group, or every group (+). */
  group?: string;
  username?: string;
  password?: string;
  /** Ask nodes seen without a birth to birth again (an NCMD Node Control/Rebirth: off unless asked for). */
  rebirth?: boolean;
  /** mqtts / wss: the CA certificate (PEM) the broker's certificate is signed by. */
  ca?: Buffer;
}

const propNum = (m: UMetric, ...names: string[]) => {
  for (const n of names) {
    const v = m.properties?.[n];
    const x = v ? num(v.value) : null;
    if (x !== null) return x;
  }
  return null;
};

/** Subscribe to the Sparkplug namespace; resolves once subscribed. stop() ends the session and returns what was seen. */
export async function listenForBirths(url: string, o: ListenOptions = {}): Promise<{ observed: Observed; stop(): Promise<Observed> }> {
  const observed: Observed = { devices: new Map(), unborn: new Set(), messages: 0 };
  const client = await mqtt.connectAsync(url, {
    clientId: `af-import-sparkplug-${process.pid}`,
    clean: true,
    reconnectPeriod: 0,
    username: o.username,
    password: o.password,
    ...(o.ca ? { ca: o.ca } : {}),
  });
  const asked = new Set<string>();
  client.on('message', (topic, payload) => {
    const t = parseTopic(topic);
    if (!t || t.type === 'NCMD' || t.type === 'DCMD' || t.type === 'NDEATH' || t.type === 'DDEATH') return;
    observed.messages++;
    let p;
    try {
      p = decodePayload(payload);
    } catch {
      return;
    }
    const key = t.device ? `${t.group}/${t.node}/${t.device}` : `${t.group}/${t.node}`;
    const now = Date.now();
    let d = observed.devices.get(key);
    if (t.type === 'NBIRTH' || t.type === 'DBIRTH') {
      if (!d) observed.devices.set(key, (d = { group: t.group, node: t.node, device: t.device, metrics: new Map(), aliases: new Map() }));
      observed.unborn.delete(key);
      for (const m of p.metrics ?? []) {
        const a = num(m.alias);
        if (m.name && a !== null) d.aliases.set(a, m.name);
        if (!m.name || m.name === 'bdSeq' || m.name.startsWith('Node Control/') || m.name.startsWith('AegisFlow/')) continue;
        const lo = propNum(m, 'engLow', 'EngLow');
        const hi = propNum(m, 'engHigh', 'EngHigh');
        const unit = m.properties?.engUnit?.value ?? m.properties?.EngUnit?.value;
        d.metrics.set(m.name, {
          name: m.name,
          type: m.type,
          unit: typeof unit === 'string' ? unit : '',
          eng: lo !== null && hi !== null && hi > lo ? [lo, hi] : null,
          min: null,
          max: null,
          times: [],
        });
      }
    }
    if (!d) {
      observed.unborn.add(key);
      if (o.rebirth && !asked.has(t.node)) {
        asked.add(t.node);
        const body = encodePayload({ timestamp: now, metrics: [{ name: REBIRTH_METRIC, type: 'Boolean', value: true }] });
        client.publish(topicOf(t.group, 'NCMD', t.node), body);
      }
      return;
    }
    for (const m of p.metrics ?? []) {
      const name = m.name || d.aliases.get(num(m.alias) ?? -1);
      const om = name ? d.metrics.get(name) : undefined;
      const v = typeof m.value === 'boolean' ? Number(m.value) : num(m.value);
      if (!om || v === null || !Number.isFinite(v)) continue;
      om.min = om.min === null ? v : Math.min(om.min, v);
      om.max = om.max === null ? v : Math.max(om.max, v);
      om.times.push(num(m.timestamp) ?? num(p.timestamp) ?? now);
    }
  });
  await client.subscribeAsync(`spBv1.0/${o.group ?? '+'}/#`, { qos: 0 });
  return {
    observed,
    async stop() {
      await client.endAsync();
      return observed;
    },
  };
}

const TYPE_OF: Record<string, 'float' | 'int' | 'bool'> = {
  Int8: 'int',
  Int16: 'int',
  Int32: 'int',
  Int64: 'int',
  UInt8: 'int',
  UInt16: 'int',
  UInt32: 'int',
  UInt64: 'int',
  Float: 'float',
  Double: 'float',
  Boolean: 'bool',
};

const q = (s: string) => JSON.stringify(s);
/** Where import-sparkplug reads the broker password, and where the drafted connector reads it too. */
const PASSWORD_ENV = 'AEGISFLOW_SPARKPLUG_PASSWORD';
const round = (x: number) => Number(x.toPrecision(6));

function period(times: readonly number[]): number | null {
  const steps = times
    .slice(1)
    .map((t, i) => t - (times[i] ?? t))
    .filter((x) => x > 0)
    .sort((a, b) => a - b);
  const mid = steps[Math.floor(steps.length / 2)];
  return mid === undefined ? null : Math.max(1, Math.round(mid / 1000));
}

export interface SparkplugDraft {
  yaml: string;
  nodes: number;
  assets: number;
  tags: number;
  skipped: string[];
}

/** How the draft's connector reaches the broker: its URL, and the user name and CA file the listener used. */
export interface DraftBroker {
  url: string;
  username?: string;
  ca?: string;
}

/** The draft model text for what was observed; `broker` is where the connector should read from. */
export function draftModelFromSparkplug(observed: Observed, broker: string | DraftBroker): SparkplugDraft {
  const b = typeof broker === 'string' ? { url: broker } : broker;
  const out: string[] = [];
  const w = (s = '') => out.push(s);
  const skipped: string[] = [];
  const groups = [...new Set([...observed.devices.values()].map((d) => d.group))];
  const connectorOf = (g: string) => slug(`sp-${g}`, 'sparkplug');
  const lines = new Map<string, { id: string; assets: Array<{ id: string; type: string; name: string }> }>();
  const types: string[] = [];
  const takenLines = new Set<string>();
  let tags = 0;
  for (const d of observed.devices.values()) {
    const lineKey = `${d.group}/${d.node}`;
    let line = lines.get(lineKey);
    if (!line) {
      const id = slug(d.node, 'node');
      lines.set(lineKey, (line = { id: takenLines.has(id) ? slug(`${d.group}-${d.node}`, 'node') : id, assets: [] }));
      takenLines.add(line.id);
    }
    const base = d.device ? slug(d.device, 'device') : line.id;
    let assetId = base;
    for (let n = 2; line.assets.some((a) => a.id === assetId); n++) assetId = `${base.slice(0, 60)}_${n}`;
    const typeId = slug(`${line.id}-${assetId}`, 'type');
    const rows: string[] = [];
    for (const m of d.metrics.values()) {
      const type = TYPE_OF[m.type];
      if (!type) {
        skipped.push(`${d.node}/${d.device ? `${d.device}/` : ''}${m.name} (${m.type})`);
        continue;
      }
      const key = slug(m.name.replace(/\//g, '_'), 'metric');
      let range: [number, number];
      let note = '';
      if (type === 'bool') range = [0, 1];
      else if (m.eng) range = m.eng;
      else {
        const lo = m.min ?? 0;
        const hi = m.max ?? lo;
        const pad = Math.max((hi - lo) * 0.2, Math.abs(hi) * 0.5, 1);
        range = [round(lo - pad), round(hi + pad)];
        note = `CHECK range (seen ${m.min ?? '-'}..${m.max ?? '-'})`;
      }
      const every = period(m.times);
      const source = [`connector: ${connectorOf(d.group)}`, `node: ${q(d.node)}`, `device: ${q(d.device)}`, `metric: ${q(m.name)}`];
      const fields = [
        `unit: ${q(m.unit)}`,
        ...(type !== 'float' ? [`type: ${type}`] : []),
        `range: [${range[0]}, ${range[1]}]`,
        `sampling_s: ${every ?? 1}`,
        `source: { ${source.join(', ')} }`,
      ];
      const notes = [note, every === null ? 'CHECK sampling_s (no data seen)' : '', m.unit ? '' : 'CHECK unit'].filter(Boolean).join('; ');
      rows.push(`      ${key}: { ${fields.join(', ')} }${notes ? ` # ${notes}` : ''}`);
      tags++;
    }
    if (!rows.length) continue;
    types.push(`  ${typeId}:`, `    name: ${q(d.device ? `${d.node} / ${d.device}` : `edge node ${d.node}`)}`, '    tags:', ...rows);
    line.assets.push({ id: assetId, type: typeId, name: d.device || d.node });
  }
  w(`# Drafted by aegisflow plant import-sparkplug from the births seen on ${b.url}.`);
  w('# Each edge node is a line, each device an asset (a node’s own metrics: an asset named after the node);');
  w('# each tag names its (node, device, metric) explicitly. Review the lines marked CHECK, add limits and');
  w('# each type’s commands, group the lines into real areas, then: aegisflow plant validate FILE');
  if (observed.unborn.size) w(`# Sent data but no birth while listening (re-run with --rebirth): ${[...observed.unborn].join(', ')}`);
  if (skipped.length) w(`# Metrics left out (not a number or boolean): ${skipped.join(', ')}`);
  w('plant_model: 1');
  w('site: { id: my-plant } # CHECK');
  w('connectors:');
  // The password stays out of the file: the connector reads it from the variable this import read it from.
  const login = b.username ? [`username: ${q(b.username)}`, `password_env: ${PASSWORD_ENV}`] : [];
  const brokerFields = [`url: ${q(b.url)}`, ...login, ...(b.ca ? [`ca: ${q(b.ca)}`] : [])];
  if (b.username) w(`# CHECK: the broker password: AegisFlow reads it from the environment variable ${PASSWORD_ENV} (password_env)`);
  for (const g of groups) w(`  - { id: ${connectorOf(g)}, type: sparkplug-b, group: ${q(g)}, broker: { ${brokerFields.join(', ')} } }`);
  w('asset_types:');
  out.push(...types);
  w('areas:');
  w('  - id: area-1 # CHECK');
  w('    lines:');
  for (const l of lines.values()) {
    if (!l.assets.length) continue;
    w(`      - id: ${l.id}`);
    w('        assets:');
    for (const a of l.assets) w(`          - { id: ${a.id}, type: ${a.type}, name: ${q(a.name)} }`);
  }
  const used = [...lines.values()].filter((l) => l.assets.length);
  return { yaml: out.join('\n') + '\n', nodes: used.length, assets: used.reduce((n, l) => n + l.assets.length, 0), tags, skipped };
}

export interface ImportSparkplugValues {
  ca?: string;
  group?: string;
  seconds?: string;
  rebirth?: boolean;
  username?: string;
  out?: string;
  force?: boolean;
}

/** The CLI: listen, draft, check the draft validates, print or write it. */
export async function importSparkplug(url: string, values: ImportSparkplugValues): Promise<number> {
  // The URL may carry a login (user:password@host): every message names it without.
  const shown = withoutLogin(url);
  if (!BROKER_URL.test(url)) throw usageError(`import-sparkplug needs a broker URL such as mqtt://host:1883 (got "${shown}")`);
  const seconds = values.seconds === undefined ? 10 : Number(values.seconds);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600)
    throw usageError(`--seconds must be a number of seconds between 0 and 3600 (got "${values.seconds}")`);
  if (values.out && fs.existsSync(values.out) && !values.force) throw usageError(`${values.out} exists; pass --force to overwrite it`);
  let ca: Buffer | undefined;
  if (values.ca) {
    if (!TLS_URL.test(url)) throw usageError(`--ca is for a TLS broker (mqtts://, wss://); ${shown} is not one`);
    if (!fs.existsSync(values.ca)) throw usageError(`--ca: no such file: ${values.ca}`);
    ca = fs.readFileSync(values.ca);
  }
  let listener: Awaited<ReturnType<typeof listenForBirths>>;
  try {
    listener = await listenForBirths(url, {
      group: values.group,
      username: values.username,
      password: process.env[PASSWORD_ENV],
      rebirth: values.rebirth,
      ca,
    });
  } catch (err) {
    const why = tlsHint((err as Error).message, values.ca).replace("give the connector's broker its ca: FILE", 'pass --ca FILE');
    process.stderr.write(`aegisflow plant import-sparkplug: cannot connect to ${shown}: ${why}\n`);
    return 1;
  }
  process.stderr.write(`listening on ${shown} (spBv1.0/${values.group ?? '+'}/#) for ${seconds} s…\n`);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const observed = await listener.stop();
  if (!observed.devices.size) {
    process.stderr.write(
      `aegisflow plant import-sparkplug: no births seen in ${seconds} s (${observed.messages} messages${observed.unborn.size ? `; data without a birth from ${[...observed.unborn].join(', ')}: try --rebirth` : ''})\n`,
    );
    return 1;
  }
  // The draft's CA path is relative to the model file, as the connector reads it.
  const modelDir = values.out ? path.dirname(path.resolve(values.out)) : process.cwd();
  const caInDraft = values.ca && !path.isAbsolute(values.ca) ? path.relative(modelDir, path.resolve(values.ca)) : values.ca;
  const draft = draftModelFromSparkplug(observed, { url: shown, username: values.username, ca: caInDraft });
  const check = parseModel(draft.yaml, values.out ?? '<draft>');
  if (!check.ok) {
    process.stderr.write(
      `aegisflow plant import-sparkplug: the draft does not validate (a bug):\n${formatProblems(values.out ?? '<draft>', check.problems)}\n`,
    );
    return 1;
  }
  if (!values.out) process.stdout.write(draft.yaml);
  else {
    fs.writeFileSync(values.out, draft.yaml);
    process.stdout.write(
      `wrote ${values.out}: ${draft.nodes} edge node${draft.nodes === 1 ? '' : 's'}, ${draft.assets} asset${draft.assets === 1 ? '' : 's'}, ${draft.tags} tags\n` +
        (draft.skipped.length ? `left out: ${draft.skipped.join(', ')}\n` : '') +
        `check the lines marked CHECK, then: aegisflow plant validate ${values.out}\n`,
    );
  }
  return 0;
}
