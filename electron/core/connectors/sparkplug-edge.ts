// A Sparkplug B edge node built on sparkplug-payload: the peer the connector's tests, the benchmark and
// `plant import-sparkplug`'s test talk to, and the reference for a real edge node's command handling.
// It births its node and devices (metrics with aliases, bdSeq, Node Control/Rebirth), publishes data by
// alias with its sequence numbers, dies (NDEATH as its will), rebirths when the host asks, and verifies
// every command's intent token with the dependency-free verifier (electron/edge/verifier.ts) before it
// acts, answering with the verifier's acknowledgement in an AegisFlow/CommandAck String metric.
import type { KeyObject } from 'node:crypto';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { commandAck, createCommandVerifier, type CommandVerifier, type VerifiedCommand } from '../../edge/verifier';
import { ACK_METRIC, BDSEQ_METRIC, COMMAND_METRIC, REBIRTH_METRIC, decodePayload, encodePayload, topicOf, type UMetric } from './sparkplug-map';

export interface EdgeDeviceSpec {
  /** The Sparkplug device id. */
  id: string;
  /** The AegisFlow device (asset) id it is: a command's arguments must name it. */
  assetId: string;
  metrics: string[];
}

export interface EdgeNodeOptions {
  url: string;
  group: string;
  node: string;
  devices: EdgeDeviceSpec[];
  /** Sparkplug data types by metric name (default Double); Boolean metrics carry value != 0. */
  types?: Readonly<Record<string, 'Boolean' | 'Int32' | 'Double'>>;
  /** The AegisFlow asset the node's own metrics are (the device a node command's arguments must name; default the node id). */
  nodeAssetId?: string;
  /** Metrics of the node itself. */
  nodeMetrics?: string[];
  /**
   * The gateway's public key: without it every command is refused. A function is asked at each command
   * until it gives one (a key file AegisFlow creates on its first start).
   */
  publicKey?: KeyObject | string | (() => KeyObject | string | undefined);
  /** Birth properties by metric name: engUnit, engLow, engHigh (what `plant import-sparkplug` reads). */
  eng?: Readonly<Record<string, { unit?: string; low?: number; high?: number }>>;
  /** Birth again when the host asks (default true). */
  autoRebirth?: boolean;
  /** A device's own say after a verified command: a refusal reason, or nothing to accept. */
  act?: (assetId: string, command: VerifiedCommand) => string | undefined;
  clientOptions?: IClientOptions;
  now?: () => number;
}

export interface TestEdgeNode {
  readonly client: MqttClient;
  /** NCMD Node Control/Rebirth requests received. */
  readonly rebirthRequests: number;
  readonly bdSeq: number;
  /** Commands verified and acted on. */
  readonly executed: Array<{ assetId: string; command: string; params: Record<string, unknown> }>;
  readonly refused: Array<{ assetId: string; code: string }>;
  /** NBIRTH then a DBIRTH per device, every metric with its value (default 0). */
  birth(values?: Readonly<Record<string, Readonly<Record<string, number>>>>): Promise<void>;
  /** DDATA (device) or NDATA (device ''), by alias unless byName; null values go out as is_null. */
  data(device: string, values: Readonly<Record<string, number | null>>, opts?: { ts?: number; byName?: boolean; quality?: number }): Promise<void>;
  deviceDeath(device: string): Promise<void>;
  /** Publish NDEATH as the will would, then disconnect. */
  death(): Promise<void>;
  /** Drop the connection without a DISCONNECT: the broker publishes the will (NDEATH). */
  kill(): void;
  /** Skip sequence numbers (a lost message, as the host sees it). */
  skipSeq(n?: number): void;
  /** Publish bytes as a message of this node (garbage tests). */
  raw(type: 'NDATA' | 'DDATA', device: string, payload: Buffer): Promise<void>;
  close(): Promise<void>;
}

export async function startTestEdgeNode(o: EdgeNodeOptions): Promise<TestEdgeNode> {
  const now = o.now ?? Date.now;
  const bdSeq = Math.floor(Math.random() * 256);
  const startedAt = now();
  let verifier: CommandVerifier | null = null;
  const verifierNow = () => {
    const key = typeof o.publicKey === 'function' ? o.publicKey() : o.publicKey;
    // notBefore: tokens issued since the node started, also when the key came later.
    if (!verifier && key) verifier = createCommandVerifier({ publicKey: key, clockToleranceS: 5, notBefore: startedAt });
    return verifier;
  };
  let seq = 0;
  const nextSeq = () => {
    const s = seq;
    seq = (seq + 1) % 256;
    return s;
  };
  // Aliases unique across the node and its devices, as the spec asks.
  const alias = new Map<string, number>();
  let nextAlias = 1;
  const aliasOf = (device: string, metric: string) => {
    const k = `${device}\u0000${metric}`;
    let a = alias.get(k);
    if (a === undefined) alias.set(k, (a = nextAlias++));
    return a;
  };
  const deathPayload = () => encodePayload({ timestamp: now(), metrics: [{ name: BDSEQ_METRIC, type: 'UInt64', value: bdSeq }] });
  const client = await mqtt.connectAsync(o.url, {
    clientId: `sp-edge-${o.node}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    clean: true,
    reconnectPeriod: 0,
    ...o.clientOptions,
    will: { topic: topicOf(o.group, 'NDEATH', o.node), payload: deathPayload(), qos: 1, retain: false },
  });
  let rebirthRequests = 0;
  const executed: TestEdgeNode['executed'] = [];
  const refused: TestEdgeNode['refused'] = [];
  let last: Record<string, Record<string, number>> = {};

  const birthProps = (name: string): UMetric['properties'] => {
    const e = o.eng?.[name];
    if (!e) return undefined;
    return {
      ...(e.unit !== undefined ? { engUnit: { type: 'String', value: e.unit } } : {}),
      ...(e.low !== undefined ? { engLow: { type: 'Double', value: e.low } } : {}),
      ...(e.high !== undefined ? { engHigh: { type: 'Double', value: e.high } } : {}),
    };
  };
  const metric = (device: string, name: string, value: number | null, withName: boolean, ts: number, quality?: number, birth = false): UMetric => {
    const properties: UMetric['properties'] = birth ? birthProps(name) : quality !== undefined ? { Quality: { type: 'Int32', value: quality } } : undefined;
    return {
      ...(withName ? { name } : {}),
      alias: aliasOf(device, name),
      timestamp: ts,
      type: o.types?.[name] ?? 'Double',
      value: value !== null && o.types?.[name] === 'Boolean' ? value !== 0 : value,
      ...(value === null ? { isNull: true } : {}),
      ...(properties ? { properties } : {}),
    };
  };

  const publish = (type: Parameters<typeof topicOf>[1], device: string, metrics: UMetric[], ts = now()) =>
    client.publishAsync(topicOf(o.group, type, o.node, device), encodePayload({ timestamp: ts, seq: nextSeq(), metrics }), { qos: 0 });

  const node: TestEdgeNode = {
    client,
    get rebirthRequests() {
      return rebirthRequests;
    },
    bdSeq,
    executed,
    refused,
    async birth(values = last) {
      last = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { ...v }]));
      seq = 0;
      const ts = now();
      const own = (o.nodeMetrics ?? []).map((m) => metric('', m, values['']?.[m] ?? 0, true, ts, undefined, true));
      await publish('NBIRTH', '', [
        { name: BDSEQ_METRIC, type: 'UInt64', value: bdSeq },
        { name: REBIRTH_METRIC, type: 'Boolean', value: false },
        { name: ACK_METRIC, alias: aliasOf('', ACK_METRIC), type: 'String', value: '' },
        ...own,
      ]);
      for (const d of o.devices) {
        await publish('DBIRTH', d.id, [
          ...d.metrics.map((m) => metric(d.id, m, values[d.id]?.[m] ?? 0, true, ts, undefined, true)),
          { name: ACK_METRIC, alias: aliasOf(d.id, ACK_METRIC), type: 'String', value: '' },
        ]);
      }
    },
    async data(device, values, opts = {}) {
      const ts = opts.ts ?? now();
      const metrics = Object.entries(values).map(([k, v]) => metric(device, k, v, opts.byName === true, ts, opts.quality));
      for (const [k, v] of Object.entries(values)) if (v !== null) (last[device] ??= {})[k] = v;
      await publish(device ? 'DDATA' : 'NDATA', device, metrics, ts);
    },
    async deviceDeath(device) {
      await publish('DDEATH', device, []);
    },
    async death() {
      await client.publishAsync(topicOf(o.group, 'NDEATH', o.node), deathPayload(), { qos: 1 });
      await client.endAsync();
    },
    kill() {
      client.stream.destroy();
      client.end(true);
    },
    skipSeq(n = 1) {
      seq = (seq + n) % 256;
    },
    async raw(type, device, payload) {
      await client.publishAsync(topicOf(o.group, type, o.node, device), payload, { qos: 0 });
    },
    async close() {
      await client.endAsync();
    },
  };

  const onCommand = (device: string, m: UMetric) => {
    const spec = device ? o.devices.find((d) => d.id === device) : undefined;
    const assetId = device ? (spec?.assetId ?? device) : (o.nodeAssetId ?? o.node);
    let message: unknown;
    try {
      message = JSON.parse(typeof m.value === 'string' ? m.value : '');
    } catch {
      message = null;
    }
    const v = verifierNow();
    const r = v ? v.verify(assetId, message) : { ok: false as const, code: 'bad_token' as const, reason: 'this edge node has no gateway key', jti: null };
    const refusal = r.ok ? o.act?.(assetId, r.command) : undefined;
    if (r.ok && !refusal) executed.push({ assetId, command: r.command.command, params: r.command.params });
    else refused.push({ assetId, code: r.ok ? 'device_rejected' : r.code });
    const ack = commandAck(assetId, r, new Date(now()).toISOString(), refusal);
    void publish(device ? 'DDATA' : 'NDATA', device, [{ name: ACK_METRIC, alias: aliasOf(device, ACK_METRIC), type: 'String', value: JSON.stringify(ack) }]);
  };

  client.on('message', (topic, payload) => {
    const [, , type = '', , device = ''] = topic.split('/');
    let p;
    try {
      p = decodePayload(payload);
    } catch {
      return;
    }
    for (const m of p.metrics ?? []) {
      if (type === 'NCMD' && m.name === REBIRTH_METRIC && m.value === true) {
        rebirthRequests++;
        if (o.autoRebirth !== false) void node.birth();
      } else if (m.name === COMMAND_METRIC) onCommand(type === 'DCMD' ? device : '', m);
    }
  });
  await client.subscribeAsync([topicOf(o.group, 'NCMD', o.node), `${topicOf(o.group, 'DCMD', o.node)}/+`], { qos: 0 });
  return node;
}
