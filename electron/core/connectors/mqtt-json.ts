// The MQTT JSON connector: subscribes to the topics its tags are bound to and turns each JSON message
// into tag samples (mqtt-json-map.ts). On the core's embedded broker it subscribes in-process; on an
// external broker (the core's, or one of its own given by URL) it holds a persistent session at QoS 1
// and acknowledges a message only once ingest has committed it (issue 19): a value the broker accepted
// is either stored or still queued at the broker.
import mqtt, { type MqttClient } from 'mqtt';
import type { MqttJsonSettings } from '../../../shared/schemas/connectors';
import { withoutLogin } from '../../../shared/schemas/connectors-broker';
import { RECONNECT_MIN_MS, backOffReconnects } from '../broker';
import { ownBrokerLogin, tlsHint } from './broker-login';
import { buildIndex, decodeMessage, topicMatches, type MqttJsonIndex } from './mqtt-json-map';
import { initialStatus, stateSetter, type BoundTag, type Connector, type ConnectorContext } from './types';

export function createMqttJsonConnector(settings: MqttJsonSettings, tags: readonly BoundTag[], ctx: ConnectorContext): Connector {
  const log = ctx.log.child({ component: 'connector', connector: settings.id });
  const index: MqttJsonIndex = buildIndex(settings, tags);
  const own = settings.broker === 'embedded' ? null : settings.broker;
  // Shown to operators: never the credentials the core's broker URL may carry (mqtt://user:pass@host).
  const endpoint = () => withoutLogin(own ? own.url : ctx.broker.url);
  const status = initialStatus(settings.id, 'mqtt-json', '', ctx.clock.now());
  let client: MqttClient | null = null;
  let unsubscribe: Array<() => Promise<void>> = [];
  let stopped = false;

  const setState = stateSetter(status, ctx, endpoint);

  const onMessage = (topic: string, payload: Buffer) => {
    status.messages++;
    const d = decodeMessage(index, topic, payload, ctx);
    if (!d.ok) {
      status.errors++;
      status.lastError = `${d.reason}: ${d.detail}`;
      ctx.reject(d.reason, topic, d.detail);
      return;
    }
    status.values += d.samples.length - d.bad;
    if (d.bad) {
      status.errors += d.bad;
      status.lastError = `bad_payload: ${d.samples.find((s) => s.value === null)?.quality?.detail ?? ''}`;
    }
    status.lastValueAt = ctx.clock.now();
    ctx.emit(d.samples);
  };

  /** QoS 1: acknowledge after commit; while the store refuses, hold the acknowledgement (the broker keeps the message). */
  const commitThenAck = (packet: { qos?: number }, ack: (err?: Error) => void) => {
    if (!packet.qos) return ack();
    if (ctx.commit()) return ack();
    if (stopped) return; // unacknowledged: the broker redelivers it to our session on the next start
    setTimeout(() => commitThenAck(packet, ack), 1000).unref?.();
  };

  const onCore = !own;
  const attach = (c: MqttClient) => {
    c.on('message', (topic, payload) => onMessage(topic, payload));
    c.handleMessage = (packet, ack) => commitThenAck(packet, ack);
    const down = (why: string) => {
      if (stopped) return;
      setState('down', why);
      if (onCore) ctx.coreBrokerLink?.(false, endpoint());
    };
    // Why the last attempt failed (a refused login, an unknown CA) says more than "closed".
    let failure: string | null = null;
    c.on('offline', () => down(failure ?? `no connection to ${endpoint()}`));
    c.on('close', () => down(failure ?? `connection to ${endpoint()} closed`));
    c.on('error', (err) => {
      failure = tlsHint(err.message, own?.ca);
      status.lastError = failure;
    });
    c.on('connect', () => {
      failure = null;
      if (onCore) {
        setState('connected');
        ctx.coreBrokerLink?.(true, endpoint());
        return;
      }
      // Connected means receiving: after the SUBACK. Subscribed on every connect, not only without a
      // session: a reloaded model may bind new topics.
      c.subscribe(index.filters, { qos: 1 }, (err) => (err ? setState('down', `subscribe failed: ${err.message}`) : setState('connected')));
    });
  };

  return {
    id: settings.id,
    type: 'mqtt-json',
    async start() {
      stopped = false;
      if (!own && ctx.broker.subscribeLocal) {
        // The embedded broker: subscribe in-process (same routing, no loopback socket round trip).
        for (const f of index.filters) unsubscribe.push(await ctx.broker.subscribeLocal(f, onMessage));
        setState('connected');
      } else if (!own) {
        // The core's external broker: a persistent session (clean start off) under an id stable across restarts,
        // QoS 1. Handlers go on before the first packet: the broker sends the session's queue right after CONNACK.
        client = await ctx.broker.connect('aegisflow-ingest-', { clientId: ctx.sessionId(settings.id, false) }, attach);
        setState('connected');
        if (index.filters.length) await client.subscribeAsync(index.filters, { qos: 1 });
      } else {
        // A broker of its own: never blocks the core's start; the status says whether it is reachable.
        const login = ownBrokerLogin(settings, own, log);
        if (!login.ok) return setState('down', login.error);
        const c = mqtt.connect(own.url, {
          ...login.options,
          clientId: ctx.sessionId(settings.id, true),
          clean: false,
          reconnectPeriod: RECONNECT_MIN_MS,
          connectTimeout: 10_000,
        });
        backOffReconnects(c);
        attach(c);
        client = c;
      }
      log.info({ endpoint: endpoint(), filters: index.filters, tags: tags.length }, 'mqtt-json connector started');
    },
    async stop() {
      stopped = true;
      for (const u of unsubscribe) await u();
      unsubscribe = [];
      if (client) await client.endAsync();
      client = null;
      setState('disabled');
    },
    status: () => ({ ...status, endpoint: endpoint() }),
    inject(topic, payload) {
      if (!index.filters.some((f) => topicMatches(f, topic))) return false;
      onMessage(topic, payload);
      return true;
    },
  };
}
