// The live detection service: subscribes to ingest's 'readings' batches, runs one DeviceMonitor per
// device, stores episodes, emits anomaly.* events, drives the anomaly and communication alarms.
import { SENSORS, type TimedReading } from '../../../shared/domain';
import { priorityOfEpisode } from '../../../shared/anomalies';
import type { AlarmSystem } from '../alarms';
import { CoreError, describeIssues } from '../api';
import type { EventBus } from '../bus';
import type { Clock } from '../clock';
import type { Logger } from '../observability';
import { DeviceMonitor, EV_CLOSED, EV_OPENED, EV_UPDATED } from './episodes';
import type { AnomalyRepository } from './repository';
import { EpisodeQuerySchema, type DetectConfig, type Episode, type EpisodePage, type EpisodeQuery } from './schema';

export interface DetectionServiceDeps {
  config: DetectConfig;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  repository: AnomalyRepository;
  alarms: AlarmSystem;
  /**
   * The series of a device from the plant model (issue 15): the tags it scores and their sampling
   * period in seconds (every time constant of the detector is applied with it). Absent: the seed's five sensors.
   */
  seriesOf?: (deviceId: string) => { sensors: readonly string[]; samplingSeconds?: number } | null;
}

export interface DetectionCounters {
  readings: number;
  values: number;
  missing: number;
  duplicates: number;
  outOfOrder: number;
  gaps: number;
  /** Known discontinuities received (replay seek/speed/resume/loop): each re-settles every device. */
  discontinuities: number;
  episodesOpened: number;
  episodesClosed: number;
  /** Devices still learning their baseline. */
  learning: number;
  silent: string[];
}

export interface DetectionService {
  start(): void;
  stop(): void;
  /** Feed a batch directly (the bus subscription calls this). */
  process(batch: readonly TimedReading[]): void;
  /** The plant model was reloaded: a device whose scored tags changed closes its episode and learns afresh. */
  modelChanged(): void;
  /** Check for silent devices now (the timer calls this). */
  checkSilent(): void;
  active(): Episode[];
  history(q?: EpisodeQuery): EpisodePage;
  get(id: string): Episode | null;
  acknowledge(id: string, who: string, note?: string): Episode;
  counters(): DetectionCounters;
}

interface DeviceLink {
  monitor: DeviceMonitor;
  /** The tags scored (model order) and a scratch row for their values. */
  sensors: readonly string[];
  values: Float64Array;
  /** Wall-clock arrival of the last reading, and the usual interval between arrivals (EWMA). */
  lastSeen: number;
  interval: number;
  silent: boolean;
  /** Shut down or restarting by command: its readings are not the process, its alarms are suppressed by design. */
  stopped: boolean;
  /** Load the device runs at (percent), from its status. */
  load: number;
  /** The load changed while an episode was open: learn the new operating point once it closes. */
  rebaseAfterEpisode: boolean;
}

export const anomalyAlarmId = (deviceId: string) => `${deviceId}:anomaly`;
export const commAlarmId = (deviceId: string) => `${deviceId}:communication`;

export function createDetectionService(deps: DetectionServiceDeps): DetectionService {
  const { config, bus, clock, log, repository, alarms } = deps;
  const devices = new Map<string, DeviceLink>();
  const seriesOf = (id: string) => deps.seriesOf?.(id) ?? { sensors: SENSORS };
  const monitorFor = (id: string, sensors: readonly string[]) => {
    const sampling = deps.seriesOf?.(id)?.samplingSeconds;
    return new DeviceMonitor(id, sensors, sampling ? { ...config, samplingSeconds: sampling } : config);
  };
  const c = { readings: 0, values: 0, episodesOpened: 0, episodesClosed: 0, discontinuities: 0 };
  let feedPaused = false;
  const offs: Array<() => void> = [];
  let timer: ReturnType<typeof setInterval> | null = null;

  const anomalyAlarm = (ep: Episode, active: boolean) => {
    alarms.setCondition(anomalyAlarmId(ep.device_id), {
      active,
      source: ep.device_id,
      kind: 'anomaly',
      priority: priorityOfEpisode(ep),
      message: `${ep.type_hint.replace('_', ' ')} on ${ep.sensors.join(', ')} (confidence ${ep.confidence})`,
      episodeId: ep.id,
    });
  };

  const onEpisode = (kind: 'opened' | 'updated' | 'closed', ep: Episode) => {
    try {
      repository.upsert(ep);
    } catch (err) {
      log.error({ err, episode: ep.id }, 'storing anomaly episode failed');
    }
    const copy = {
      ...ep,
      sensors: [...ep.sensors],
      detectors: [...ep.detectors],
      involvement: ep.involvement.map((s) => ({ ...s, detectors: [...s.detectors] })),
    };
    if (kind === 'opened') {
      c.episodesOpened++;
      log.info({ episode: ep.id, device: ep.device_id, type: ep.type_hint, severity: ep.severity }, 'anomaly opened');
      bus.emit('anomaly.opened', copy);
    } else if (kind === 'updated') bus.emit('anomaly.updated', copy);
    else {
      c.episodesClosed++;
      bus.emit('anomaly.closed', copy);
    }
    anomalyAlarm(ep, kind !== 'closed');
  };

  const link = (id: string, now: number): DeviceLink => {
    let l = devices.get(id);
    if (!l) {
      const { sensors } = seriesOf(id);
      l = {
        monitor: monitorFor(id, sensors),
        sensors,
        values: new Float64Array(sensors.length),
        lastSeen: now,
        interval: 0,
        silent: false,
        stopped: false,
        load: 100,
        rebaseAfterEpisode: false,
      };
      devices.set(id, l);
    }
    return l;
  };

  const process = (batch: readonly TimedReading[]) => {
    if (!config.enabled) return;
    const now = clock.now();
    let last: DeviceLink | null = null;
    let lastId = '';
    for (let k = 0; k < batch.length; k++) {
      const r = batch[k];
      if (r.device_id !== lastId) {
        last = link(r.device_id, now);
        lastId = r.device_id;
        const gap = now - last.lastSeen;
        if (gap > 0) last.interval = last.interval === 0 ? gap : last.interval + 0.1 * (gap - last.interval);
        last.lastSeen = now;
        if (last.silent) {
          // data is back (a reconnect): its first samples settle before anything can open
          last.silent = false;
          last.monitor.reconnected();
          alarms.setCondition(commAlarmId(r.device_id), { active: false, source: r.device_id, kind: 'communication' });
        }
      }
      // A missing tag or one of bad quality is no new value: NaN, which the detector skips.
      const { sensors, values } = last!;
      for (let i = 0; i < sensors.length; i++) {
        const s = sensors[i];
        values[i] = r.quality?.[s]?.level === 'bad' ? NaN : (r.values[s] ?? NaN);
      }
      c.readings++;
      c.values += sensors.length;
      if (last!.stopped || sensors.length === 0) continue;
      const m = last!.monitor;
      const ev = m.push(r.ts, values);
      if (ev === EV_OPENED) onEpisode('opened', m.episode!);
      else if (ev === EV_UPDATED) onEpisode('updated', m.episode!);
      else if (ev === EV_CLOSED) {
        onEpisode('closed', m.closed!);
        if (last!.rebaseAfterEpisode) {
          last!.rebaseAfterEpisode = false;
          last!.monitor = monitorFor(r.device_id, last!.sensors);
        }
      }
    }
  };

  const checkSilent = () => {
    if (!config.enabled || feedPaused) return;
    const now = clock.now();
    for (const [id, l] of devices) {
      if (l.silent || l.stopped) continue;
      const limit = Math.max(config.silentMinMs, config.silentFactor * l.interval);
      if (now - l.lastSeen > limit) {
        l.silent = true;
        log.warn({ device: id, silentMs: now - l.lastSeen }, 'device silent');
        alarms.setCondition(commAlarmId(id), {
          active: true,
          source: id,
          kind: 'communication',
          priority: 'medium',
          message: `no data for ${Math.round((now - l.lastSeen) / 1000)} s`,
        });
        // an anomaly cannot be followed without data: close it at its last reading
        const ep = l.monitor.forceClose();
        if (ep) onEpisode('closed', ep);
      }
    }
  };

  const setFeedPaused = (paused: boolean) => {
    if (paused === feedPaused) return;
    feedPaused = paused;
    const now = clock.now();
    for (const [id, l] of devices) {
      // A paused replay is silence by design: suppress, never annunciate it.
      alarms.setSuppressed(commAlarmId(id), paused, paused ? 'data feed paused' : 'data feed resumed');
      if (!paused) l.lastSeen = now;
    }
  };

  /**
   * A device stopped by command (emergency_shutdown, restart) cools and spins down: that is design,
   * not an anomaly. Close its episode, suppress its alarms, and learn a fresh baseline once it runs
   * again. A load change re-learns the operating point (see below).
   */
  const onDeviceStatus = (id: string, state: string, load: number) => {
    const stopped = state === 'shutdown' || state === 'restarting';
    const l = link(id, clock.now());
    if (!stopped && !l.stopped && load !== l.load) {
      // A commanded load change moves the operating point: the old baseline no longer describes
      // normal. Without an open episode, learn the new point now (no false "pressure leak" on a
      // compressor whose load was cut on purpose). With one open, keep judging against the old
      // baseline until it closes, so the mitigation never hides the fault, then learn afresh.
      l.load = load;
      if (l.monitor.episode) l.rebaseAfterEpisode = true;
      else l.monitor = monitorFor(id, l.sensors);
      log.info({ device: id, load }, 'load changed by command: learning the new operating point');
      return;
    }
    l.load = load;
    if (stopped === l.stopped) return;
    l.stopped = stopped;
    if (stopped) {
      const ep = l.monitor.forceClose();
      if (ep) onEpisode('closed', ep);
    } else {
      l.monitor = monitorFor(id, l.sensors);
      l.lastSeen = clock.now();
    }
    const why = stopped ? `device ${state} by command` : 'device running again';
    alarms.setSuppressed(anomalyAlarmId(id), stopped, why);
    alarms.setSuppressed(commAlarmId(id), stopped, why);
  };

  /**
   * A known discontinuity of the data feed (replay seek, speed change, resume, loop): the jump is design,
   * not a fault on every device. Each device closes its open episode, forgets its short-term state and
   * re-settles for settleSeconds, after which the level it holds is its baseline (ISA-18.2: suppressed by
   * design while the condition is known; here the detector itself does not raise it).
   */
  const onDiscontinuity = (kind: 'seek' | 'speed' | 'resume' | 'loop') => {
    c.discontinuities++;
    for (const l of devices.values()) {
      const ep = l.monitor.discontinuity(kind);
      if (ep) onEpisode('closed', ep);
    }
    log.info({ kind, devices: devices.size }, 'data discontinuity: detection re-settles');
  };

  return {
    start() {
      const repaired = repository.closeDangling();
      if (repaired) log.info({ episodes: repaired }, 'closed anomaly episodes left open by the previous run');
      offs.push(bus.on('readings', (batch) => process(batch)));
      offs.push(bus.on('simulator.status', (s) => setFeedPaused(s.paused || !s.running || s.finished)));
      offs.push(bus.on('device.status', (s) => s.state !== 'unknown' && s.load_pct !== null && onDeviceStatus(s.device_id, s.state, s.load_pct)));
      offs.push(bus.on('simulator.discontinuity', (e) => onDiscontinuity(e.kind)));
      timer = setInterval(checkSilent, config.silentCheckMs);
      timer.unref?.();
    },
    stop() {
      for (const off of offs.splice(0)) off();
      if (timer) clearInterval(timer);
      timer = null;
      // episodes still open stay open in the table; closeDangling() ends them on the next start
    },
    process,
    modelChanged() {
      for (const [id, l] of devices) {
        const { sensors } = seriesOf(id);
        if (sensors.join('\u0000') === l.sensors.join('\u0000')) continue;
        const ep = l.monitor.forceClose();
        if (ep) onEpisode('closed', ep);
        l.sensors = sensors;
        l.values = new Float64Array(sensors.length);
        l.monitor = monitorFor(id, sensors);
      }
    },
    checkSilent,
    active: () => repository.active(),
    history(q) {
      const parsed = EpisodeQuerySchema.safeParse(q ?? {});
      if (!parsed.success) throw new CoreError('invalid_params', describeIssues(parsed.error));
      return repository.query(parsed.data);
    },
    get: (id) => repository.get(id),
    acknowledge(id, who, note) {
      if (!who.trim()) throw new CoreError('invalid_params', 'who is required');
      const ep = repository.acknowledge(id, who, note ?? null, clock.now());
      if (!ep) throw new CoreError('not_found', `no anomaly ${id}`);
      // acknowledging the anomaly acknowledges the alarm it raised, if that alarm still waits for it
      const alarm = alarms.find(anomalyAlarmId(ep.device_id));
      if (alarm && alarm.episode_id === id && (alarm.state === 'unacknowledged' || alarm.state === 'rtn_unacknowledged')) {
        alarms.acknowledge(alarm.id, who, note);
      }
      // keep the live copy in step, so a later update does not lose the acknowledgement
      const live = devices.get(ep.device_id)?.monitor.episode;
      if (live && live.id === id) {
        live.acknowledged_by = ep.acknowledged_by;
        live.acknowledged_at = ep.acknowledged_at;
        live.ack_note = ep.ack_note;
      }
      return ep;
    },
    counters() {
      let missing = 0;
      let duplicates = 0;
      let outOfOrder = 0;
      let gaps = 0;
      let learning = 0;
      const silent: string[] = [];
      for (const [id, l] of devices) {
        missing += l.monitor.detector.missing;
        duplicates += l.monitor.counters.duplicates;
        outOfOrder += l.monitor.counters.outOfOrder;
        gaps += l.monitor.counters.gaps;
        if (!l.monitor.detector.learned) learning++;
        if (l.silent) silent.push(id);
      }
      return { ...c, missing, duplicates, outOfOrder, gaps, learning, silent };
    },
  };
}
