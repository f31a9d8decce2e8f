// Ingest: subscribe to every sensor topic, validate each payload, batch the good ones into SQLite
// and the live cache, and hand them to detection on the bus. A bad payload is counted by reason and
// logged (rate-limited); it never blocks or loses a good one.
import crypto from 'node:crypto';
import { z } from 'zod';
import type { MqttClient } from 'mqtt';
import type { IngestCounters } from '../../../shared/contract';
import type { TimedReading } from '../../../shared/domain';
import type { PlantBroker } from '../broker';
import { SENSOR_TOPIC_PREFIX } from '../broker';
import type { EventBus } from '../bus';
import type { Clock } from '../clock';
import { createRateLimitedLog, type Logger } from '../observability';
import type { ReadingsRepository } from '../store';
import type { LiveCache } from './live';
import { validatePayload } from './validate';

export { createLiveCache, stripTs, type LiveCache } from './live';
export { registerReadingsApi, type PlantView } from './api';
export { validatePayload, type RejectReason, type Validation } from './validate';

/** Ingest's config section. */
export const IngestConfigSchema = z.object({
  /**
   * Commit a batch after this many readings or this many ms, whichever comes first. The bound on
   * what a crash of AegisFlow can lose on the embedded broker (docs/SECURITY.md, "Faults").
   */
  batchSize: z.number().int().positive().default(2000),
  flushMs: z.number().int().positive().max(250).default(100),
  /** Readings older than this (relative to the plant clock) are refused as bad_timestamp. */
  maxClockSkewDays: z.number().positive().default(7),
  /** Readings further ahead of the plant clock than this (seconds) are refused as bad_timestamp. */
  maxFutureS: z.number().int().min(0).default(300),
  /** Live ring buffer length per device (readings). */
  ringSize: z.number().int().positive().default(720),
});
export type IngestConfig = z.infer<typeof IngestConfigSchema>;

/** The client id of ingest's persistent session: stable for one data directory, distinct between installations. */
export function sessionId(dataDir: string): string {
  return 'aegisflow-ingest-' + crypto.createHash('sha256').update(dataDir).digest('hex').slice(0, 12);
}

export interface IngestService {
  start(): Promise<void>;
  stop(): Promise<void>;
  counters(): IngestCounters;
  /** Write whatever is buffered now (tests, shutdown); false when the write failed and is retried. */
  flush(): boolean;
  /** Feed one raw payload as if it came from MQTT (used by the broker subscription). */
  accept(topic: string, payload: Buffer): void;
  addKnownDevices(ids: Iterable<string>): void;
}

export interface IngestDeps {
  config: IngestConfig;
  /** Names ingest's persistent broker session (one per installation). */
  dataDir: string;
  /** The broker's payload limit, applied again at validation. */
  maxPayloadBytes: number;
  /** Stored readings older than this are deleted (store.retentionDays; 0 keeps everything). */
  retentionDays: number;
  broker: PlantBroker;
  readings: ReadingsRepository;
  live: LiveCache;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  knownDevices: Iterable<string>;
  /**
   * The clock of the source that produced a device's readings, for the plausibility window: the
   * replay's time for the simulator's devices (100x ahead of the wall clock in shift mode), the core's
   * clock for real sensors (their timestamps follow the wall clock); the core's clock if absent.
   */
  plantNow?: (deviceId: string) => number;
  /** Readings held in memory while the database refuses writes (disk full); the oldest beyond are dropped, counted. */
  maxUnstored?: number;
}

export function createIngest(deps: IngestDeps): IngestService {
  const { broker, readings, live, bus, clock, retentionDays } = deps;
  const log = deps.log.child({ component: 'ingest' });
  const warn = createRateLimitedLog(log, 5, 10_000, () => clock.now());
  const cfg = deps.config;
  const known = new Set(deps.knownDevices);
  const maxSkewMs = cfg.maxClockSkewDays * 86_400_000;
  const maxFutureMs = cfg.maxFutureS * 1000;
  const plantNow = deps.plantNow ?? (() => clock.now());
  const counters: IngestCounters = {
    received: 0,
    stored: 0,
    rejected: 0,
    rejectedByReason: {},
    brokerConnected: true,
    brokerSince: clock.now(),
    brokerOutages: 0,
    unstoredWaiting: 0,
    unstoredDropped: 0,
  };
  const maxUnstored = deps.maxUnstored ?? 100_000;
  let buffer: TimedReading[] = [];
  /** Readings already shown and handed to detection whose write failed: retried before anything new. */
  let unstored: TimedReading[] = [];
  let storageError: string | null = null;
  let timer: NodeJS.Timeout | null = null;
  let client: MqttClient | null = null;
  let unsubscribeLocal: (() => Promise<void>) | null = null;
  let retention: NodeJS.Timeout | null = null;
  let stopping = false;

  /**
   * Commit what is buffered; false when the write failed. A failed batch (disk full, read-only) still
   * reaches the live view and the detector (the plant goes on; ingest keeps running) and waits in
   * memory, up to maxUnstored readings, for the next try; the oldest beyond that are dropped and
   * counted. The insert is one transaction: it commits whole or not at all.
   */
  const flush = (): boolean => {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    const fresh = buffer;
    buffer = [];
    const batch = unstored.length ? unstored.concat(fresh) : fresh;
    let ok = true;
    if (batch.length) {
      try {
        readings.insertBatch(batch);
        counters.stored += batch.length;
        unstored = [];
        if (storageError !== null) {
          log.info({ stored: batch.length }, 'storing readings again');
          storageError = null;
          bus.emit('ingest.storage', { ok: true, at: clock.now(), waiting: 0 });
        }
      } catch (err) {
        ok = false;
        unstored = batch;
        const over = unstored.length - maxUnstored;
        if (over > 0) {
          unstored = unstored.slice(over);
          counters.unstoredDropped += over;
        }
        const message = (err as Error).message;
        if (storageError === null) {
          log.error({ err, waiting: unstored.length }, 'could not store readings; keeping them in memory and retrying every second');
          bus.emit('ingest.storage', { ok: false, at: clock.now(), error: message, waiting: unstored.length });
        }
        storageError = message;
        if (!stopping) timer = setTimeout(flush, 1000);
      }
      counters.unstoredWaiting = unstored.length;
    }
    if (fresh.length) {
      for (const r of fresh) live.push(r);
      bus.emit('readings', fresh);
    }
    return ok;
  };

  /**
   * External broker, QoS 1: acknowledge after commit. mqtt.js sends a message's PUBACK when this
   * calls back; until then the broker counts it in flight and redelivers it to our persistent session
   * after a crash. So a reading the broker accepted is either in SQLite or still at the broker.
   */
  const commitThenAck = (packet: { qos?: number }, ack: (err?: Error) => void) => {
    if (!packet.qos) return ack();
    if (flush()) return ack();
    // Stopping: leave it unacknowledged; the broker redelivers it to our session on the next start.
    if (stopping) return;
    // The disk refused the write: hold the acknowledgement (the broker keeps the message) and retry.
    setTimeout(() => commitThenAck(packet, ack), 1000).unref?.();
  };

  const brokerLink = (connected: boolean, url: string) => {
    if (counters.brokerConnected === connected) return;
    const now = clock.now();
    const downMs = connected ? now - counters.brokerSince : undefined;
    counters.brokerConnected = connected;
    counters.brokerSince = now;
    if (!connected) {
      counters.brokerOutages++;
      log.warn({ url }, 'lost the MQTT broker; reconnecting (readings queue at the broker for our persistent session)');
    } else log.info({ url, downMs }, `reconnected to the MQTT broker after ${downMs} ms`);
    bus.emit('broker.connection', { connected, url, at: now, ...(downMs !== undefined ? { downMs } : {}) });
  };

  const accept = (topic: string, payload: Buffer) => {
    counters.received++;
    const topicDevice = topic.startsWith(SENSOR_TOPIC_PREFIX) ? topic.slice(SENSOR_TOPIC_PREFIX.length) : '';
    const v = validatePayload(topicDevice, payload, {
      maxPayloadBytes: deps.maxPayloadBytes,
      knownDevices: known,
      maxSkewMs,
      maxFutureMs,
      now: plantNow(topicDevice),
    });
    if (!v.ok) {
      counters.rejected++;
      counters.rejectedByReason[v.reason] = (counters.rejectedByReason[v.reason] ?? 0) + 1;
      warn(v.reason, { reason: v.reason, topic, detail: v.detail }, 'rejected sensor payload');
      bus.emit('ingest.rejected', { reason: v.reason, topic, detail: v.detail });
      return;
    }
    buffer.push(v.reading);
    // While writes fail, only the 1 s retry flushes: a full batch must not retry the disk at every arrival.
    if (buffer.length >= cfg.batchSize && storageError === null) flush();
    else if (!timer) timer = setTimeout(flush, cfg.flushMs);
  };

  const applyRetention = () => {
    if (retentionDays <= 0) return;
    const cutoff = clock.now() - retentionDays * 86_400_000;
    const n = readings.deleteOlderThan(cutoff);
    if (n > 0) log.info({ deleted: n, retentionDays: retentionDays }, 'retention: old readings deleted');
  };

  return {
    async start() {
      if (broker.subscribeLocal) {
        // Embedded broker: subscribe in-process (same routing, no loopback socket round trip).
        unsubscribeLocal = await broker.subscribeLocal(SENSOR_TOPIC_PREFIX + '#', accept);
      } else {
        // A persistent session (clean start off) under an id that stays the same across restarts of
        // this installation, QoS 1: the broker queues readings while we are away (issue 19).
        // Handlers go on before the first packet: the broker sends the session's queue right after CONNACK.
        const c = await broker.connect('aegisflow-ingest-', { clientId: sessionId(deps.dataDir) }, (c) => {
          c.on('message', (topic, payload) => accept(topic, payload));
          c.handleMessage = (packet, ack) => commitThenAck(packet, ack);
          c.on('offline', () => brokerLink(false, broker.url));
          c.on('close', () => {
            if (!stopping) brokerLink(false, broker.url);
          });
          c.on('connect', () => brokerLink(true, broker.url));
        });
        client = c;
        await c.subscribeAsync(SENSOR_TOPIC_PREFIX + '#', { qos: 1 });
      }
      applyRetention();
      retention = setInterval(applyRetention, 3_600_000);
      retention.unref();
      log.info('ingest subscribed to ' + SENSOR_TOPIC_PREFIX + '#');
    },
    async stop() {
      stopping = true;
      if (retention) clearInterval(retention);
      if (unsubscribeLocal) await unsubscribeLocal();
      unsubscribeLocal = null;
      if (client) await client.endAsync();
      client = null;
      if (!flush()) log.error({ lost: unstored.length }, 'stopping with readings the database refused: they are lost');
    },
    counters: () => ({ ...counters, rejectedByReason: { ...counters.rejectedByReason } }),
    flush,
    accept,
    addKnownDevices(ids) {
      for (const id of ids) known.add(id);
    },
  };
}
