// The plant's MQTT broker: embedded aedes on TCP (+ WebSocket), loopback by default, or an external
// broker given by URL. Core components connect as MQTT clients either way, so the data path is the
// same one a real plant uses.
import crypto from 'node:crypto';
import net from 'node:net';
import http from 'node:http';
import { Aedes, type AuthenticateError } from 'aedes';
import mqtt, { type MqttClient, type IClientOptions } from 'mqtt';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { Config } from '../config';
import type { Logger } from '../observability';

export const SENSOR_TOPIC_PREFIX = 'aegisflow/sensors/';
export const COMMAND_TOPIC_PREFIX = 'aegisflow/commands/';
export const sensorTopic = (deviceId: string) => SENSOR_TOPIC_PREFIX + deviceId;
export const commandTopic = (deviceId: string) => COMMAND_TOPIC_PREFIX + deviceId;

/** Only the governance executor may publish commands; it connects with this client id prefix. */
export const EXECUTOR_CLIENT_PREFIX = 'aegisflow-executor-';

export interface PlantBroker {
  /** URL core clients connect to (mqtt://127.0.0.1:<port> for the embedded broker). */
  readonly url: string;
  readonly port: number | null;
  readonly wsPort: number | null;
  readonly embedded: boolean;
  /** Options for an internal client (credentials of the embedded broker). */
  clientOptions(clientIdPrefix: string): IClientOptions;
  /** Connect an internal MQTT client; resolves when connected. */
  connect(clientIdPrefix: string): Promise<MqttClient>;
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

function authError(message: string): AuthenticateError {
  const err = new Error(message) as AuthenticateError;
  err.returnCode = 4; // BAD_USERNAME_OR_PASSWORD
  return err;
}

const safeEqual = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
};

export function createBroker(config: Config, log: Logger): PlantBroker {
  const cfg = config.broker;
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

  const isInternal = (client: { id: string } | null) => client === null || internalClients.has(client.id);
  const internalClients = new Set<string>();

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
    clientOptions(prefix) {
      const clientId = `${prefix}${crypto.randomBytes(4).toString('hex')}`;
      const base: IClientOptions = { clientId, reconnectPeriod: 1000, connectTimeout: 10_000, clean: true };
      if (external) return { ...base, username: cfg.username, password: cfg.password };
      return { ...base, username: internalUser, password: internalPass };
    },
    async connect(prefix) {
      const opts = broker.clientOptions(prefix);
      const client = mqtt.connect(broker.url, opts);
      let delay = 1000;
      // Exponential backoff on reconnect (an external broker that drops must not be hammered).
      client.on('reconnect', () => {
        delay = Math.min(delay * 2, 30_000);
        client.options.reconnectPeriod = delay;
      });
      client.on('connect', () => {
        delay = 1000;
        client.options.reconnectPeriod = delay;
      });
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
      : () => (aedes ? Object.values(aedes.clients).map((c) => ({ id: c.id, internal: isInternal(c) })) : []),
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
        log.info({ url: external }, 'using external MQTT broker');
        return;
      }
      aedes = await Aedes.createBroker({
        id: 'aegisflow',
        authenticate: (client, username, password, done) => {
          const pass = password?.toString() ?? '';
          if (username === internalUser) {
            if (safeEqual(pass, internalPass)) {
              internalClients.add(client.id);
              return done(null, true);
            }
            return done(authError('bad credentials'), false);
          }
          if (cfg.username !== undefined) {
            const ok = username === cfg.username && safeEqual(pass, cfg.password ?? '');
            return ok ? done(null, true) : done(authError('bad credentials'), false);
          }
          return done(null, true); // loopback-only broker without configured credentials: open for reading
        },
        authorizePublish: (client, packet, cb) => {
          if (packet.topic.startsWith(COMMAND_TOPIC_PREFIX)) {
            // Device commands only from the governance executor (intent-token checked upstream).
            if (client && isInternal(client) && client.id.startsWith(EXECUTOR_CLIENT_PREFIX)) return cb(null);
            log.warn({ clientId: client?.id, topic: packet.topic }, 'refused command publish from a non-executor client');
            return cb(new Error('commands may only be published by the governance executor'));
          }
          // Sensor payloads of any size pass: ingest validates, counts and logs them (an error here would
          // disconnect the publisher and lose its good readings too).
          cb(null);
        },
      });
      aedes.on('clientDisconnect', (c) => internalClients.delete(c.id));
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
