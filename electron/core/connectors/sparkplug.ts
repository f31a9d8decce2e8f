// The Sparkplug B connector (issue 16): a host application of the spBv1.0 namespace for one group.
// Births define each node's and device's metrics and aliases; data updates the tags bound to them;
// deaths mark those tags bad. A message out of sequence, or data from a node or device the host has
// seen no birth of, asks that node for a rebirth (NCMD Node Control/Rebirth). The host publishes its
// STATE (retained, with a will saying offline) so edge nodes that name it their primary host know
// when it listens. Governed commands go to the edge as DCMD (NCMD for a node's own metrics) carrying
// the command and its intent token; the edge verifies the token and answers in its data (README,
// "Connect a Sparkplug B edge node").
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { withoutLogin } from '../../../shared/schemas/connectors-broker';
import type { SparkplugSettings } from '../../../shared/schemas/connectors-sparkplug';
import type { CommandMessage } from '../../edge/verifier';
import { RECONNECT_MIN_MS, backOffReconnects, createPendingAcks, replyOf } from '../broker';
import {
  ACK_METRIC,
  BDSEQ_METRIC,
  COMMAND_METRIC,
  REBIRTH_METRIC,
  addressKey,
  buildSparkplugIndex,
  decodePayload,
  encodePayload,
  num,
  parseTopic,
  sampleOf,
  stateTopic,
  topicOf,
  type SpBinding,
  type SpTopic,
  type UMetric,
  type UPayload,
} from './sparkplug-map';
import { ownBrokerLogin, tlsHint } from './broker-login';
import { initialStatus, stateSetter, type BoundTag, type Connector, type ConnectorContext, type TagSample } from './types';

/** A node is asked for a rebirth at most this often while it has not answered with one. */
const REBIRTH_INTERVAL_MS = 5000;

interface Session {
  born: boolean;
  aliases: Map<number, string>;
}
interface NodeSession extends Session {
  seq: number;
  bdSeq: number | null;
  devices: Map<string, Session>;
  rebirthAt: number | null;
}

const saysOnline = (payload: Buffer) => {
  try {
    return (JSON.parse(payload.toString('utf8')) as { online?: unknown }).online === true;
  } catch {
    return false;
  }
};

const aliasesOf = (metrics: readonly UMetric[]) => {
  const m = new Map<number, string>();
  for (const x of metrics) {
    const a = num(x.alias);
    if (a !== null && x.name) m.set(a, x.name);
  }
  return m;
};

export function createSparkplugConnector(settings: SparkplugSettings, tags: readonly BoundTag[], ctx: ConnectorContext): Connector {
  const log = ctx.log.child({ component: 'connector', connector: settings.id });
  const index = buildSparkplugIndex(settings, tags);
  const own = settings.broker === 'embedded' ? null : settings.broker;
  const endpoint = () => withoutLogin(own ? own.url : ctx.broker.url);
  const myState = stateTopic(settings.host_id);
  const status = initialStatus(settings.id, 'sparkplug-b', '', ctx.clock.now());
  const nodes = new Map<string, NodeSession>();
  const pending = createPendingAcks<{ deviceId: string; address: string }>();
  let client: MqttClient | null = null;
  let stopped = false;
  // The STATE birth and its will carry the same timestamp (one per MQTT session).
  let stateTs = ctx.clock.now();

  const setState = stateSetter(status, ctx, endpoint);
  const fail = (reason: 'oversize' | 'schema' | 'bad_timestamp', topic: string, detail: string) => {
    status.errors++;
    status.lastError = `${reason}: ${detail}`;
    ctx.reject(reason, topic, detail);
  };
  const stateBody = (online: boolean) => JSON.stringify({ online, timestamp: stateTs });
  const willOf = (): IClientOptions['will'] => ({ topic: myState, payload: Buffer.from(stateBody(false)), qos: 1, retain: true });

  const requestRebirth = (node: string, s: NodeSession, why: string) => {
    const now = ctx.clock.now();
    if (s.rebirthAt !== null && now - s.rebirthAt < REBIRTH_INTERVAL_MS) return;
    s.rebirthAt = now;
    status.lastError = `rebirth of ${node} requested: ${why}`;
    log.info({ node, why }, 'requesting a rebirth');
    const payload = encodePayload({ timestamp: now, metrics: [{ name: REBIRTH_METRIC, type: 'Boolean', value: true }] });
    client?.publish(topicOf(settings.group, 'NCMD', node), payload, { qos: 0 });
  };

  const markBad = (bindings: readonly SpBinding[] | undefined, detail: string) => {
    if (!bindings?.length) return;
    ctx.emit(
      bindings.map((b) => ({
        tag: b.tag,
        device_id: b.device_id,
        key: b.key,
        ts: ctx.plantNow(b.device_id),
        value: null,
        quality: { level: 'bad', reason: 'connector_down', detail },
      })),
    );
  };

  /** The edge's answer to a command, as the verifier's acknowledgement JSON in a String metric. */
  const onAck = (t: SpTopic, text: unknown) => {
    // A birth declares the acknowledgement metric with an empty value: no answer yet, nothing to warn about.
    if (typeof text !== 'string' || text === '') return;
    let ack: Record<string, unknown>;
    try {
      ack = JSON.parse(text) as Record<string, unknown>;
    } catch {
      log.warn({ node: t.node, device: t.device }, 'command acknowledgement is not JSON');
      return;
    }
    // A refusal without a jti answers a message whose token did not verify: no command of ours.
    if (typeof ack.jti !== 'string') return;
    const p = pending.get(ack.jti);
    if (!p) return void log.warn({ node: t.node, device: t.device, jti: ack.jti }, 'acknowledgement for no waiting command');
    if (p.address !== addressKey(t.node, t.device) || ack.device_id !== p.deviceId) {
      return void log.warn({ expected: p.deviceId, node: t.node, device: t.device }, 'acknowledgement from another device ignored');
    }
    pending.settle(ack.jti, replyOf(ack, 'the edge node gave no reason'));
  };

  /** The bound metrics of one message as samples; an acknowledgement metric goes to its command. */
  const deliver = (topic: string, t: SpTopic, p: UPayload, aliases: Map<number, string>) => {
    const bound = index.byAddress.get(addressKey(t.node, t.device));
    const arrival = ctx.plantNow(bound?.values().next().value?.device_id ?? '');
    const window = { from: arrival - ctx.window.pastMs, to: arrival + ctx.window.futureMs };
    const payloadTs = num(p.timestamp);
    const samples: TagSample[] = [];
    let bad = 0;
    for (const m of p.metrics ?? []) {
      const a = num(m.alias);
      const name = m.name || (a !== null ? aliases.get(a) : undefined);
      if (!name) continue;
      if (name === ACK_METRIC) {
        onAck(t, m.value);
        continue;
      }
      const b = bound?.get(name);
      if (!b) continue;
      const r = sampleOf(b, m, payloadTs, arrival, window);
      if (typeof r === 'string') return fail('bad_timestamp', topic, r);
      samples.push(r);
      if (r.quality?.reason === 'bad_payload') bad++;
    }
    if (!samples.length) return;
    status.values += samples.length - bad;
    if (bad) {
      status.errors += bad;
      status.lastError = `bad_payload: ${samples.find((s) => s.quality?.reason === 'bad_payload')?.quality?.detail ?? ''}`;
    }
    status.lastValueAt = ctx.clock.now();
    ctx.emit(samples);
  };

  const onMessage = (topic: string, payload: Buffer) => {
    if (topic === myState) {
      // Someone (a stale will, another host with our id) says we are offline while we are not: correct it.
      if (settings.primary_host && client?.connected && !saysOnline(payload)) client.publish(myState, stateBody(true), { qos: 1, retain: true });
      return;
    }
    const t = parseTopic(topic);
    if (!t || t.group !== settings.group || t.type === 'NCMD' || t.type === 'DCMD') return;
    // Nodes of the group that feed no tag of ours are not tracked (nor asked to rebirth): no state grows per stray node id.
    if (!index.byNode.has(t.node)) return;
    status.messages++;
    if (payload.length > settings.max_payload_bytes) return fail('oversize', topic, `${payload.length} bytes > ${settings.max_payload_bytes}`);
    let p: UPayload;
    try {
      p = decodePayload(payload);
    } catch (err) {
      return fail('schema', topic, `not a Sparkplug B payload: ${(err as Error).message}`);
    }
    let s = nodes.get(t.node);
    if (!s) nodes.set(t.node, (s = { born: false, seq: -1, bdSeq: null, aliases: new Map(), devices: new Map(), rebirthAt: null }));
    const metrics = p.metrics ?? [];
    if (t.type === 'NBIRTH') {
      const bd = metrics.find((m) => m.name === BDSEQ_METRIC);
      Object.assign(s, { born: true, seq: num(p.seq) ?? 0, bdSeq: bd ? num(bd.value) : null, aliases: aliasesOf(metrics), rebirthAt: null });
      s.devices.clear(); // a new session of the node: each device births again
      return deliver(topic, t, p, s.aliases);
    }
    if (t.type === 'NDEATH') {
      const bd = metrics.find((m) => m.name === BDSEQ_METRIC);
      const bdSeq = bd ? num(bd.value) : null;
      // The will of an earlier session, delivered late: not the death of the node's current session.
      if (s.born && s.bdSeq !== null && bdSeq !== null && bdSeq !== s.bdSeq)
        return void log.info({ node: t.node, bdSeq, current: s.bdSeq }, 'stale NDEATH ignored');
      s.born = false;
      s.devices.clear();
      return markBad(index.byNode.get(t.node), `Sparkplug edge node ${t.node} is offline (NDEATH)`);
    }
    if (!s.born) return requestRebirth(t.node, s, `${t.type} before the node's birth`);
    const seq = num(p.seq);
    const expected = (s.seq + 1) % 256;
    s.seq = seq ?? expected;
    if (seq !== expected) requestRebirth(t.node, s, `sequence gap: expected ${expected}, got ${seq}`);
    if (t.type === 'NDATA') return deliver(topic, t, p, s.aliases);
    if (t.type === 'DBIRTH') {
      const d: Session = { born: true, aliases: aliasesOf(metrics) };
      s.devices.set(t.device, d);
      return deliver(topic, t, p, d.aliases);
    }
    const d = s.devices.get(t.device);
    if (t.type === 'DDEATH') {
      if (d) d.born = false;
      return markBad([...(index.byAddress.get(addressKey(t.node, t.device))?.values() ?? [])], `Sparkplug device ${t.node}/${t.device} is offline (DDEATH)`);
    }
    if (!d?.born) return requestRebirth(t.node, s, `DDATA of ${t.device} before its birth`);
    deliver(topic, t, p, d.aliases);
  };

  const attach = (c: MqttClient) => {
    const onCore = !own;
    c.on('message', onMessage);
    const down = (why: string) => {
      if (stopped) return;
      setState('down', why);
      if (onCore) ctx.coreBrokerLink?.(false, endpoint());
    };
    // Why the last attempt failed (a refused login, an unknown CA) says more than "closed".
    let failure: string | null = null;
    c.on('offline', () => down(failure ?? `no connection to ${endpoint()}`));
    c.on('close', () => {
      // The next session gets a STATE timestamp of its own (birth and will match per session); what the
      // nodes sent meanwhile is lost, so each must birth again before its data counts.
      stateTs = ctx.clock.now();
      if (settings.primary_host) c.options.will = willOf();
      for (const s of nodes.values()) s.born = false;
      down(failure ?? `connection to ${endpoint()} closed`);
    });
    c.on('error', (err) => {
      failure = tlsHint(err.message, own?.ca);
      status.lastError = failure;
    });
    backOffReconnects(c);
    c.on('connect', () => {
      failure = null;
      // Spec order: subscribe first, then announce the host online.
      c.subscribe([`spBv1.0/${settings.group}/#`, myState], { qos: 1 }, (err) => {
        if (err) return setState('down', `subscribe failed: ${err.message}`);
        if (settings.primary_host) c.publish(myState, stateBody(true), { qos: 1, retain: true });
        setState('connected');
        if (onCore) ctx.coreBrokerLink?.(true, endpoint());
      });
    });
  };

  return {
    id: settings.id,
    type: 'sparkplug-b',
    async start() {
      stopped = false;
      stateTs = ctx.clock.now();
      const login = own ? ownBrokerLogin(settings, own, log) : null;
      if (login && !login.ok) return setState('down', login.error);
      const base: IClientOptions = login
        ? { ...login.options, clientId: ctx.sessionId(settings.id, true), connectTimeout: 10_000 }
        : ctx.broker.clientOptions('aegisflow-sparkplug-');
      const opts: IClientOptions = { ...base, clean: true, reconnectPeriod: RECONNECT_MIN_MS, ...(settings.primary_host ? { will: willOf() } : {}) };
      const c = mqtt.connect(own ? own.url : ctx.broker.url, opts);
      attach(c);
      client = c;
      log.info({ endpoint: endpoint(), group: settings.group, tags: tags.length }, 'sparkplug-b connector started');
    },
    async stop() {
      stopped = true;
      const c = client;
      client = null;
      pending.abandonAll();
      if (c) {
        if (c.connected && settings.primary_host) await c.publishAsync(myState, stateBody(false), { qos: 1, retain: true }).catch(() => {});
        await c.endAsync().catch(() => {});
      }
      setState('disabled');
    },
    status: () => ({ ...status, endpoint: endpoint() }),
    inject(topic, payload) {
      const t = parseTopic(topic);
      if (!t || t.group !== settings.group) return false;
      onMessage(topic, payload);
      return true;
    },
    async command(deviceId: string, message: CommandMessage, jti: string) {
      const to = index.commandAddress.get(deviceId);
      if (!to) throw new Error(`connector ${settings.id} reads no tag of ${deviceId}`);
      const c = client;
      if (!c?.connected) throw new Error(`sparkplug connector ${settings.id} is not connected to ${endpoint()}`);
      const reply = pending.wait(jti, { deviceId, address: addressKey(to.node, to.device) }, settings.ack_timeout_ms);
      const body = encodePayload({ timestamp: ctx.clock.now(), metrics: [{ name: COMMAND_METRIC, type: 'String', value: JSON.stringify(message) }] });
      try {
        // QoS 0 as the spec has commands; whether it arrived is the edge's acknowledgement (or no_ack).
        await c.publishAsync(topicOf(settings.group, to.device ? 'DCMD' : 'NCMD', to.node, to.device), body, { qos: 0 });
      } catch (err) {
        pending.cancel(jti);
        throw err;
      }
      return reply;
    },
  };
}
