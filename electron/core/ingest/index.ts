// Ingest: the plant's values arrive through the model's connectors (electron/core/connectors) as tag
// samples; ingest accepts the model's tags only, groups them into readings per device and time, marks
// their quality (out of the engineering range: bad, stored and shown but never good for the detector),
// batches them into SQLite and the live cache, and hands them to detection on the bus. A refused message
// is counted by reason and logged (rate-limited); it never blocks or loses a good one.
import crypto from 'node:crypto';
import { z } from 'zod';
import type { IngestCounters } from '../../../shared/contract';
import type { TimedReading } from '../../../shared/domain';
import type { ConnectorStatusView, Quality } from '../../../shared/schemas/plant';
import { RESERVED_CLIENT_PREFIX, type PlantBroker } from '../broker';
import type { EventBus } from '../bus';
import type { Clock } from '../clock';
import type { Connector, ConnectorRejectReason, TagSample } from '../connectors';
import type { ModelIndex } from '../model';
import { createRateLimitedLog, type Logger } from '../observability';
import type { ReadingsRepository } from '../store';
import type { LiveCache } from './live';
import { liveReading } from './quality';
import { createIsoStamps } from './stamps';
import { createConnectorSet } from './sources';

export { createLiveCache, stripTs, type LiveCache } from './live';
export { registerReadingsApi, type PlantView } from './api';

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

/** The client id of a connector's persistent session: stable for one data directory and connector, distinct between installations. */
export function sessionId(dataDir: string, connectorId = ''): string {
  return (
    'aegisflow-ingest-' +
    crypto
      .createHash('sha256')
      .update(connectorId ? `${dataDir}\u0000${connectorId}` : dataDir)
      .digest('hex')
      .slice(0, 12)
  );
}

/** The model in force and its reloads (electron/core/model's ModelStore). */
export interface ModelSource {
  readonly current: ModelIndex;
  onChange(fn: (m: ModelIndex) => void): () => void;
}

export interface IngestService {
  start(): Promise<void>;
  stop(): Promise<void>;
  counters(): IngestCounters;
  /** Write whatever is buffered now (tests, shutdown); false when the write failed and is retried. */
  flush(): boolean;
  /** Feed one raw MQTT message to the connector that reads its topic, as if it came from the broker (tests). */
  accept(topic: string, payload: Buffer): void;
  /** Each connector's state, values and errors. */
  connectors(): ConnectorStatusView[];
  /** The connector that carries this device's commands, when its connector type does (else the MQTT command channel). */
  commandRoute(deviceId: string): Connector | null;
  /** Trust the server certificate a connector waits on (OPC UA); false when it waits on no such certificate. */
  trust(connectorId: string, thumbprint: string): Promise<boolean>;
  /** The devices of the model in force. */
  deviceIds(): readonly string[];
  /** A device's latest value of every tag with its quality now: stale after 3 sampling periods, connector_down. */
  liveReading(deviceId: string): ReturnType<typeof liveReading>;
}

export interface IngestDeps {
  config: IngestConfig;
  /** Names the connectors' persistent broker sessions (one per installation). */
  dataDir: string;
  /** The broker's payload limit, applied again by the connectors. */
  maxPayloadBytes: number;
  /** Stored readings older than this are deleted (store.retentionDays; 0 keeps everything). */
  retentionDays: number;
  broker: PlantBroker;
  readings: ReadingsRepository;
  live: LiveCache;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  /** The plant model: its connectors, and the only tags ingest accepts. */
  model: ModelSource;
  /**
   * The clock of the source that produced a device's readings, for the timestamp window, arrival times
   * and staleness: the replay's time for the simulator's devices (100x ahead of the wall clock in shift
   * mode), the core's clock for real sensors; the core's clock if absent.
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
  /**
   * Readings being assembled, in arrival order, found by device and then time: the samples of one instant
   * may arrive in several messages. Not one map keyed by "<device>\0<ts>": that built and hashed a string
   * per sample. A device's map of times is kept and emptied after each flush (`touched`), not made anew.
   */
  let pending: TimedReading[] = [];
  const assembling = new Map<string, Map<number, TimedReading>>();
  const touched: Array<Map<number, TimedReading>> = [];
  const iso = createIsoStamps();
  /** Readings already shown and handed to detection whose write failed: retried before anything new. */
  let unstored: TimedReading[] = [];
  let storageError: string | null = null;
  let timer: NodeJS.Timeout | null = null;
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
    const fresh = pending;
    pending = [];
    for (const times of touched) times.clear();
    touched.length = 0;
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
      const now = clock.now();
      for (const r of fresh) live.push(r, now);
      bus.emit('readings', fresh);
    }
    return ok;
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

  const reject = (reason: ConnectorRejectReason, topic: string, detail: string) => {
    counters.received++;
    counters.rejected++;
    counters.rejectedByReason[reason] = (counters.rejectedByReason[reason] ?? 0) + 1;
    warn(reason, { reason, topic, detail }, 'rejected sensor payload');
    bus.emit('ingest.rejected', { reason, topic, detail });
  };

  const setQuality = (r: TimedReading, key: string, q: Quality) => {
    (r.quality ??= {})[key] = q;
  };

  /** One message's samples: the model's tags only, into the reading of their device and time, with their quality. */
  const emit = (samples: TagSample[]) => {
    counters.received++;
    const model = deps.model.current;
    // A message's samples mostly share one device and time: their reading is looked up once, not per sample.
    let r: TimedReading | undefined;
    for (const s of samples) {
      const tag = model.tag(s.tag);
      if (!tag) continue; // bound by a model that was just replaced
      if (r?.device_id !== s.device_id || r.ts !== s.ts) {
        let times = assembling.get(s.device_id);
        if (!times) assembling.set(s.device_id, (times = new Map()));
        r = times.get(s.ts);
        if (!r) {
          if (!times.size) touched.push(times);
          times.set(s.ts, (r = { device_id: s.device_id, timestamp: iso(s.ts), ts: s.ts, values: {} }));
          pending.push(r);
        }
      }
      if (s.value === null) {
        if (s.quality) setQuality(r, s.key, s.quality);
        continue;
      }
      r.values[s.key] = s.value;
      const [lo, hi] = tag.range;
      // Outside the instrument's span: stored and shown, never good (issue 19 refused these whole; issue 15 keeps them, marked).
      if (s.value < lo || s.value > hi)
        setQuality(r, s.key, {
          level: 'bad',
          reason: 'out_of_range',
          detail: `${s.value}${tag.unit ? ` ${tag.unit}` : ''} is outside the engineering range ${lo}..${hi}`,
        });
      else if (s.quality) setQuality(r, s.key, s.quality);
    }
    // While writes fail, only the 1 s retry flushes: a full batch must not retry the disk at every arrival.
    if (pending.length >= cfg.batchSize && storageError === null) flush();
    else if (!timer) timer = setTimeout(flush, cfg.flushMs);
  };

  const sources = createConnectorSet(
    deps.model.current,
    {
      broker,
      emit,
      reject,
      commit: () => flush(),
      onStatus: (status) => {
        log.info({ connector: status.id, state: status.state, endpoint: status.endpoint, error: status.lastError }, `connector ${status.id} ${status.state}`);
        bus.emit('connector.status', status);
      },
      coreBrokerLink: brokerLink,
      sessionId: (id, foreign) => (foreign ? sessionId(deps.dataDir, id).replace(RESERVED_CLIENT_PREFIX, 'af-') : sessionId(deps.dataDir, id)),
      clock,
      plantNow,
      window: { pastMs: cfg.maxClockSkewDays * 86_400_000, futureMs: cfg.maxFutureS * 1000 },
      maxPayloadBytes: deps.maxPayloadBytes,
      log,
      dataDir: deps.dataDir,
    },
    log,
  );
  let unwatchModel: (() => void) | null = null;

  const applyRetention = () => {
    if (retentionDays <= 0) return;
    const cutoff = clock.now() - retentionDays * 86_400_000;
    const n = readings.deleteOlderThan(cutoff);
    if (n > 0) log.info({ deleted: n, retentionDays: retentionDays }, 'retention: old readings deleted');
  };

  return {
    async start() {
      stopping = false;
      await sources.start();
      unwatchModel = deps.model.onChange((m) => {
        sources.rebind(m).catch((err: unknown) => log.error({ err }, 'could not rebind the connectors to the reloaded plant model'));
      });
      applyRetention();
      retention = setInterval(applyRetention, 3_600_000);
      retention.unref();
      log.info({ connectors: sources.statuses().map((c) => `${c.id} (${c.type}, ${c.state})`) }, 'ingest reads through the plant model’s connectors');
    },
    async stop() {
      stopping = true;
      unwatchModel?.();
      unwatchModel = null;
      if (retention) clearInterval(retention);
      await sources.stop();
      if (!flush()) log.error({ lost: unstored.length }, 'stopping with readings the database refused: they are lost');
    },
    counters: () => ({ ...counters, rejectedByReason: { ...counters.rejectedByReason } }),
    flush,
    accept(topic, payload) {
      if (!sources.inject(topic, payload)) reject('unknown_device', topic, `no connector reads topic ${topic}`);
    },
    connectors: () => sources.statuses(),
    commandRoute: (deviceId) => sources.commandRoute(deviceId),
    trust: (id, thumbprint) => sources.trust(id, thumbprint),
    deviceIds: () => deps.model.current.deviceIds,
    liveReading: (deviceId) => liveReading(live, deps.model.current, deviceId, { now: plantNow(deviceId), wallNow: clock.now(), isDown: sources.isDown }),
  };
}
