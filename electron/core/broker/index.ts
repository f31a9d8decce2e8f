// The plant's MQTT broker: embedded aedes on TCP (+ WebSocket), loopback by default, or an external
// broker given by URL. Core components connect as MQTT clients either way, so the data path is the
// same one a real plant uses.
//
// On the embedded broker the core's own clients (executor, simulator, ingest) authenticate with a
// per-start secret and are known by their connection, never by their id string: a client id is
// public (an MQTT client picks its own), so an id proves nothing and a second CONNECT with it would
// kick the first off. Ids with the reserved prefix are refused at CONNECT for everyone else; $SYS
// (which names every client) and the command and acknowledgement topics are hidden from other
// clients, and only core clients may publish there. With an external broker none of this is ours to
// enforce: there, devices verify every command's intent token (electron/edge/verifier.ts), and the
// broker's own ACL should lock the topics too (README, "External broker").
import crypto from 'node:crypto';
import net from 'node:net';
import http from 'node:http';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import mqtt, { type MqttClient, type IClientOptions } from 'mqtt';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { ACK_TOPIC_PREFIX, COMMAND_TOPIC_PREFIX, ackTopic, commandTopic } from '../../edge/verifier';
import { z } from 'zod';
import { safeEqual } from '../crypto';
import { brokerUrlSchema, withoutLogin } from '../../../shared/schemas/connectors-broker';
import type { Logger } from '../observability';

export const SENSOR_TOPIC_PREFIX = 'aegisflow/sensors/';
export { ACK_TOPIC_PREFIX, COMMAND_TOPIC_PREFIX, ackTopic, commandTopic };
export const sensorTopic = (deviceId: string) => SENSOR_TOPIC_PREFIX + deviceId;

/** Client ids of the core's own clients; nobody else may connect with one. */
export const RESERVED_CLIENT_PREFIX = 'aegisflow-';
/** Only the governance executor may publish commands; it connects with this client id prefix. */
export const EXECUTOR_CLIENT_PREFIX = 'aegisflow-executor-';

/** Topics other clients may neither see nor publish to. */
const hiddenTopic = (topic: string) => topic.startsWith('$') || topic.startsWith(COMMAND_TOPIC_PREFIX) || topic.startsWith(ACK_TOPIC_PREFIX);
/** A filter that names a hidden topic space outright (wildcards such as '#' are allowed: their delivery is filtered). */
const hiddenFilter = (filter: string) => filter.startsWith('$') || /^aegisflow\/(commands|acks)(\/|$)/.test(filter);

/**
 * A persistent session (clean start off) under a client id that stays the same across restarts: the
 * broker keeps the subscription and queues QoS 1 messages while the client is away (an outage, a
 * crash, a restart), and redelivers the ones it sent but never got a PUBACK for.
 */
export interface SessionOptions {
  clientId: string;
}

/** Reconnect backoff of the core's clients: doubling from this… */
export const RECONNECT_MIN_MS = 250;
/** …up to this cap (issue 19: after a broker outage ingest came back 2–16 s late with a 30 s cap). */
export const RECONNECT_MAX_MS = 2000;

/**
 * Exponential backoff on reconnect, capped: a broker that drops is not hammered, and the client is back
 * within RECONNECT_MAX_MS of the broker. Start the client with `reconnectPeriod: RECONNECT_MIN_MS`.
 */
export function backOffReconnects(client: MqttClient): void {
  let delay = RECONNECT_MIN_MS;
  client.on('reconnect', () => {
    delay = Math.min(delay * 2, RECONNECT_MAX_MS);
    client.options.reconnectPeriod = delay;
  });
  client.on('connect', () => {
    delay = RECONNECT_MIN_MS;
    client.options.reconnectPeriod = delay;
  });
}

export interface PlantBroker {
  /** URL core clients connect to (mqtt://127.0.0.1:<port> for the embedded broker). */
  readonly url: string;
  readonly port: number | null;
  readonly wsPort: number | null;
  readonly embedded: boolean;
  /** Options for an internal client (credentials of the embedded broker). */
  clientOptions(clientIdPrefix: string, session?: SessionOptions): IClientOptions;
  /**
   * Connect an internal MQTT client; resolves when connected. `setup` runs before the first packet
   * arrives: on a persistent session the broker sends its queue right after CONNACK, before the
   * promise resolves, and a message handler attached later would miss (and auto-acknowledge) them.
   */
  connect(clientIdPrefix: string, session?: SessionOptions, setup?: (client: MqttClient) => void): Promise<MqttClient>;
  /**
   * Subscribe inside the broker process (embedded broker only): the same routing as any subscriber,
   * without encoding every message onto a loopback socket and parsing it back. Returns unsubscribe.
   */
  subscribeLocal?(filter: string, onMessage: (topic: string, payload: Buffer) => void): Promise<() => Promise<void>>;
  /** Embedded broker only: the connected clients and whether each authenticated as a core component. */
  connectedClients?(): Array<{ id: string; internal: boolean }>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

function authError(message: string, returnCode: 2 | 4 | 5 = 4): AuthenticateError {
  const err = new Error(message) as AuthenticateError;
  err.returnCode = returnCode; // 2 IDENTIFIER_REJECTED, 4 BAD_USERNAME_OR_PASSWORD, 5 NOT_AUTHORIZED
  return err;
}

const port = z.number().int().min(0).max(65535);

/** The broker's config section. */
export const BrokerConfigSchema = z
  .object({
    /** Use an external broker (mqtt://host:1883) instead of the embedded aedes. Off by default. */
    url: brokerUrlSchema('broker.username and broker.password (env AEGISFLOW_MQTT_USERNAME, AEGISFLOW_MQTT_PASSWORD)').optional(),
    host: z.string().min(1).default('127.0.0.1'),
    port: port.default(1883),
    /** WebSocket listener of the embedded broker; null disables it. */
    wsPort: port.nullable().default(9001),
    username: z.string().optional(),
    password: z.string().optional(),
    /** Payloads above this many bytes are rejected by the broker and by ingest. */
    maxPayloadBytes: z
      .number()
      .int()
      .positive()
      .default(16 * 1024),
  })
  // MQTT 3.1.1 §3.1.2.9: a password needs a user name; the broker would refuse every CONNECT, which reads as a down link
  .refine((b) => b.password === undefined || b.username !== undefined, {
    path: ['username'],
    message: 'a broker password needs a username: give broker.username (env AEGISFLOW_MQTT_USERNAME) too',
  });
export type BrokerConfig = z.infer<typeof BrokerConfigSchema>;

export function createBroker(cfg: BrokerConfig, log: Logger): PlantBroker {
  const external = cfg.url;
  // Core components authenticate with a per-process secret; operators' clients use broker.username/password.
  const internalUser = 'aegisflow-core';
  const internalPass = crypto.randomBytes(24).toString('base64url');
  let aedes: Aedes | null = null;
  let tcp: net.Server | null = null;
  let httpServer: http.Server | null = null;
  let wss: WebSocketServer | null = null;
  let port: number | null = null;
  let wsPort: number | null = null;

  // The core's own connections (authenticated with the per-start secret), by connection object: a
  // disconnect of any other client with the same id string cannot remove one.
  const internalClients = new WeakSet<Client>();
  /** null: a message aedes itself publishes ($SYS heartbeats) or one delivered by subscribeLocal. */
  const isInternal = (client: Client | null) => client === null || internalClients.has(client);

  const broker: PlantBroker = {
    get url() {
      if (external) return external;
      return `mqtt://${cfg.host === '0.0.0.0' ? '127.0.0.1' : cfg.host}:${port}`;
    },
    get port() {
      return port;
    },
    get wsPort() {
      return wsPort;
    },
    embedded: !external,
    clientOptions(prefix, session) {
      const clientId = session ? session.clientId : `${prefix}${crypto.randomBytes(4).toString('hex')}`;
      const base: IClientOptions = { clientId, reconnectPeriod: RECONNECT_MIN_MS, connectTimeout: 10_000, clean: !session };
      if (external) return { ...base, username: cfg.username, password: cfg.password };
      return { ...base, username: internalUser, password: internalPass };
    },
    async connect(prefix, session, setup) {
      const opts = broker.clientOptions(prefix, session);
      const client = mqtt.connect(broker.url, opts);
      setup?.(client);
      backOffReconnects(client);
      client.on('error', (err) => log.warn({ err: err.message, clientId: opts.clientId }, 'mqtt client error'));
      await new Promise<void>((resolve, reject) => {
        const onErr = (err: Error) => {
          if (!external) {
            client.end(true);
            reject(err);
          }
        };
        client.once('connect', () => {
          client.off('error', onErr);
          resolve();
        });
        client.once('error', onErr);
      });
      return client;
    },
    connectedClients: external
      ? undefined
      : () =>
          aedes ? Object.values((aedes as unknown as { clients: Record<string, Client> }).clients).map((c) => ({ id: c.id, internal: isInternal(c) })) : [],
    subscribeLocal: external
      ? undefined
      : async (filter, onMessage) => {
          if (!aedes) throw new Error('broker not started');
          const b = aedes;
          const deliver = (packet: { topic: string; payload: Buffer | string }, cb: () => void) => {
            try {
              onMessage(packet.topic, typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload);
            } finally {
              cb();
            }
          };
          await new Promise<void>((resolve) => b.subscribe(filter, deliver, resolve));
          return () => new Promise<void>((resolve) => (b.closed ? resolve() : b.unsubscribe(filter, deliver, resolve)));
        },
    async start() {
      if (external) {
        // A login in the configured URL stays out of the log (a password may hold '@': withoutLogin cuts to the last one).
        log.info({ url: withoutLogin(external) }, 'using external MQTT broker');
        return;
      }
      aedes = await Aedes.createBroker({
        id: 'aegisflow',
        authenticate: (client, username, password, done) => {
          const pass = password?.toString() ?? '';
          if (username === internalUser) {
            if (safeEqual(pass, internalPass)) {
              internalClients.add(client);
              return done(null, true);
            }
            log.warn({ clientId: client.id }, 'refused MQTT client: bad core credentials');
            return done(authError('bad credentials'), false);
          }
          // Checked before the session is registered: a refused CONNECT never takes over a live client.
          if (client.id.startsWith(RESERVED_CLIENT_PREFIX)) {
            log.warn({ clientId: client.id }, 'refused MQTT client: reserved client id');
            return done(authError(`client ids starting with ${RESERVED_CLIENT_PREFIX} are reserved`, 2), false);
          }
          if (cfg.username !== undefined) {
            const ok = username === cfg.username && safeEqual(pass, cfg.password ?? '');
            return ok ? done(null, true) : done(authError('bad credentials'), false);
          }
          return done(null, true); // loopback-only broker without configured credentials: open for reading
        },
        authorizePublish: (client, packet, cb) => {
          if (packet.topic.startsWith(COMMAND_TOPIC_PREFIX)) {
            // Device commands only from the governance executor's own connection (devices verify the token too).
            if (client && isInternal(client) && client.id.startsWith(EXECUTOR_CLIENT_PREFIX)) return cb(null);
            log.warn({ clientId: client?.id, topic: packet.topic }, 'refused command publish from a non-executor client');
            return cb(new Error('commands may only be published by the governance executor'));
          }
          if (hiddenTopic(packet.topic) && !isInternal(client)) {
            log.warn({ clientId: client?.id, topic: packet.topic }, 'refused publish on a reserved topic');
            return cb(new Error('reserved topic'));
          }
          // Sensor payloads of any size pass: ingest validates, counts and logs them (an error here would
          // disconnect the publisher and lose its good readings too).
          cb(null);
        },
        authorizeSubscribe: (client, sub, cb) => {
          if (!isInternal(client) && hiddenFilter(sub.topic)) {
            log.warn({ clientId: client?.id, filter: sub.topic }, 'refused subscription to a reserved topic');
            return cb(null, null); // SUBACK 0x80 for this filter; the client stays connected
          }
          cb(null, sub);
        },
        // A wildcard subscription ('#') of another client never carries $SYS, commands or acknowledgements.
        authorizeForward: (client, packet) => (hiddenTopic(packet.topic) && !isInternal(client) ? null : packet),
      });
      tcp = net.createServer(aedes.handle);
      await new Promise<void>((resolve, reject) => {
        tcp!.once('error', reject);
        tcp!.listen(cfg.port, cfg.host, () => resolve());
      });
      port = (tcp.address() as net.AddressInfo).port;
      if (cfg.wsPort !== null) {
        httpServer = http.createServer((_req, res) => {
          res.writeHead(426).end('MQTT over WebSocket only');
        });
        wss = new WebSocketServer({ server: httpServer, handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : false) });
        wss.on('connection', (ws, req) => {
          const stream = createWebSocketStream(ws);
          stream.on('error', () => ws.terminate());
          aedes!.handle(stream, req);
        });
        await new Promise<void>((resolve, reject) => {
          httpServer!.once('error', reject);
          httpServer!.listen(cfg.wsPort!, cfg.host, () => resolve());
        });
        wsPort = (httpServer.address() as net.AddressInfo).port;
      }
      log.info({ host: cfg.host, port, wsPort }, 'embedded MQTT broker listening');
    },
    async stop() {
      if (!aedes) return;
      wss?.clients.forEach((c) => c.terminate());
      await new Promise<void>((r) => (wss ? wss.close(() => r()) : r()));
      await new Promise<void>((r) => (httpServer ? httpServer.close(() => r()) : r()));
      httpServer?.closeAllConnections?.();
      await new Promise<void>((r) => aedes!.close(() => r()));
      await new Promise<void>((r) => (tcp ? tcp.close(() => r()) : r()));
      aedes = null;
    },
  };
  return broker;
}
export { createMqttCommandChannel, type CommandChannel, type DeviceReply } from './command-channel';
export { createPendingAcks, replyOf, type PendingAcks } from './pending-acks';
