// Replay simulator: publishes a plant CSV on aegisflow/sensors/{device_id} at any speed, with pause,
// seek and jump-to-scenario, through a real MQTT client; applies commands from
// aegisflow/commands/{device_id} through each device's model. Like a real device behind an edge
// gateway it trusts no publisher: every command must carry a valid intent token of the gateway
// (electron/edge/verifier.ts) and it answers each one on aegisflow/acks/{device_id}.
import type { KeyObject } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { commandAck, createCommandVerifier, type CommandAck } from '../../edge/verifier';
import type { ScenarioInfo, SimulatorStatus } from '../../../shared/contract';
import { DeviceCommandSchema, type DeviceStatus, type ScenarioType, type TimedReading } from '../../../shared/domain';
import { ackTopic, COMMAND_TOPIC_PREFIX, sensorTopic, type PlantBroker } from '../broker';
import type { EventBus } from '../bus';
import type { Clock } from '../clock';
import { createRateLimitedLog, type Logger } from '../observability';
import { DeviceModel } from './device-model';
import { SCENARIOS } from './scenarios';

export interface SimulatorOptions {
  speed: number;
  timestamps: 'shift' | 'keep';
  loop: boolean;
  autostart: boolean;
}

export interface SimulatorDeps {
  broker: PlantBroker;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  /** Dataset rows in time order. */
  rows: readonly TimedReading[];
  options: SimulatorOptions;
  /** The governance gateway's Ed25519 public key: devices act only on commands it signed. */
  gatewayPublicKey: KeyObject | string;
}

/** Commands the devices took or refused since start, refusals by reason code. */
export interface CommandCounters {
  accepted: number;
  refused: number;
  byCode: Record<string, number>;
}

export interface Simulator {
  start(): Promise<void>;
  stop(): Promise<void>;
  pause(): void;
  resume(): void;
  setSpeed(speed: number): void;
  /** Move to the first row at or after this simulated time (ISO or epoch ms). */
  seek(simTime: string | number): void;
  jumpToScenario(type: ScenarioType, leadSeconds?: number): ScenarioInfo;
  status(): SimulatorStatus;
  /** The plant clock of the replay: the timestamp of the newest reading published, null before the first. */
  plantTime(): number | null;
  devices(): DeviceStatus[];
  device(id: string): DeviceModel | undefined;
  scenarios(): ScenarioInfo[];
  /** Resolves when the replay reaches the end (never with loop on, unless stopped). */
  finished(): Promise<void>;
  /**
   * Offer a command message to a device: the MQTT path calls this for every message. It verifies the
   * intent token like the MQTT path, so calling it directly bypasses nothing. Returns the device's ack.
   */
  applyCommand(deviceId: string, payload: unknown): CommandAck;
  commandCounters(): CommandCounters;
}

const MAX_SPEED_CHUNK = 2048;

export function createSimulator(deps: SimulatorDeps): Simulator {
  const { broker, bus, clock, rows } = deps;
  const log = deps.log.child({ component: 'simulator' });
  const warn = createRateLimitedLog(log);
  const opts = { ...deps.options };
  const models = new Map<string, DeviceModel>();
  for (const r of rows) if (!models.has(r.device_id)) models.set(r.device_id, new DeviceModel(r.device_id));
  const interval = rows.length > 1 ? inferInterval(rows) : 5000;
  // One verifier (and replay store) for the plant's devices: a token is used once, whichever topic it arrives on.
  const verifier = createCommandVerifier({ publicKey: deps.gatewayPublicKey, now: clock.now });
  const counters: CommandCounters = { accepted: 0, refused: 0, byCode: {} };

  let client: MqttClient | null = null;
  let index = 0;
  let paused = !opts.autostart;
  let running = false;
  let done = false;
  let published = 0;
  let timer: NodeJS.Timeout | null = null;
  let pumping = false;
  // Pacing anchors: wall time and sim time of the row at which pacing (re)started.
  let wallAnchor = 0;
  let simAnchor = 0;
  // Timestamp shifting: published ts = outBase + (row.ts - simBase); continuous across seeks and loops.
  let outBase = 0;
  let simBase = 0;
  let lastOut = 0;
  let finishedResolve: (() => void) | null = null;
  const finishedPromise = new Promise<void>((r) => (finishedResolve = r));

  const status = (): SimulatorStatus => ({
    running,
    paused,
    speed: opts.speed,
    simTime: rows[Math.min(index, rows.length - 1)] ? new Date(rows[Math.min(index, rows.length - 1)].ts).toISOString() : null,
    rowIndex: index,
    totalRows: rows.length,
    published,
    finished: done,
  });
  const emitStatus = () => bus.emit('simulator.status', status());
  /** Tell the detectors the data is about to jump: the next published time is where it continues. */
  const emitBreak = (kind: 'seek' | 'speed' | 'resume' | 'loop') => {
    const row = rows[Math.min(index, rows.length - 1)];
    const ts = row ? (opts.timestamps === 'shift' ? outBase + (row.ts - simBase) : row.ts) : clock.now();
    bus.emit('simulator.discontinuity', { kind, ts });
  };

  const reanchor = () => {
    const row = rows[index];
    if (!row) return;
    wallAnchor = clock.now();
    simAnchor = row.ts;
    simBase = row.ts;
    outBase = lastOut ? lastOut + interval : clock.now();
  };

  /** Publish one row through its device model; `done` (if given) fires once the packet is written. */
  const publishRow = (row: TimedReading, done?: () => void) => {
    const model = models.get(row.device_id)!;
    const ts = opts.timestamps === 'shift' ? outBase + (row.ts - simBase) : row.ts;
    if (ts > lastOut) lastOut = ts;
    const shown = model.apply(row);
    const payload = JSON.stringify({
      device_id: shown.device_id,
      timestamp: opts.timestamps === 'keep' ? row.timestamp : new Date(ts).toISOString(),
      temperature: shown.values.temperature,
      pressure: shown.values.pressure,
      vibration: shown.values.vibration,
      humidity: shown.values.humidity,
      power: shown.values.power,
    });
    published++;
    // QoS 1 to an external broker: it queues for ingest's persistent session through an outage of ours.
    client!.publish(sensorTopic(row.device_id), payload, { qos: broker.embedded ? 0 : 1 }, done);
  };

  /** Publish rows [from, to) and resolve when the last one is written (backpressure without a promise per row). */
  const publishRange = (from: number, to: number) =>
    new Promise<void>((resolve) => {
      for (let i = from; i < to - 1; i++) publishRow(rows[i]);
      publishRow(rows[to - 1], () => resolve());
    });

  const schedule = (ms: number) => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void pump(), Math.max(0, ms));
  };

  const atEnd = () => {
    if (opts.loop && rows.length > 0) {
      index = 0;
      reanchor();
      emitBreak('loop');
      return false;
    }
    done = true;
    emitStatus();
    finishedResolve?.();
    return true;
  };

  async function pump(): Promise<void> {
    timer = null;
    if (!running || paused || pumping || !client) return;
    pumping = true;
    try {
      if (opts.speed === 0) {
        // As fast as the broker takes it: publish a chunk, wait for it to be written, yield, repeat.
        const end = Math.min(index + MAX_SPEED_CHUNK, rows.length);
        const from = index;
        index = end;
        if (end > from) await publishRange(from, end);
        if (index >= rows.length && atEnd()) return;
        setImmediate(() => void pump());
        return;
      }
      // Paced: publish every row whose simulated time is due, then sleep until the next one is.
      const now = clock.now();
      const dueSim = simAnchor + (now - wallAnchor) * opts.speed;
      const from = index;
      while (index < rows.length && rows[index].ts <= dueSim) index++;
      if (index > from) await publishRange(from, index);
      if (index >= rows.length && atEnd()) return;
      const next = rows[index];
      schedule((next.ts - simAnchor) / opts.speed - (clock.now() - wallAnchor));
    } catch (err) {
      log.error({ err }, 'replay step failed');
      schedule(1000);
    } finally {
      pumping = false;
    }
  }

  const applyCommand: Simulator['applyCommand'] = (deviceId, payload) => {
    const at = new Date(lastOut || clock.now()).toISOString();
    const model = models.get(deviceId);
    const answer = (ack: CommandAck) => {
      if (ack.status === 'accepted') counters.accepted++;
      else {
        counters.refused++;
        counters.byCode[ack.code ?? 'refused'] = (counters.byCode[ack.code ?? 'refused'] ?? 0) + 1;
        warn(`command_refused_${ack.code}`, { device: deviceId, code: ack.code, reason: ack.reason, jti: ack.jti }, 'command refused by the device');
      }
      return ack;
    };
    if (!model) return answer({ device_id: deviceId, jti: null, status: 'refused', code: 'unknown_device', reason: `unknown device ${deviceId}`, at });
    const v = verifier.verify(deviceId, payload);
    if (!v.ok) return answer(commandAck(deviceId, v, at));
    // Act only on what the verified arguments say.
    const parsed = DeviceCommandSchema.safeParse({ command: v.command.command, params: v.command.params, issued_by: v.command.agent });
    if (!parsed.success) return answer(commandAck(deviceId, v, at, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')));
    const err = model.command(parsed.data, at);
    if (err) return answer(commandAck(deviceId, v, at, err));
    bus.emit('device.command', { device_id: deviceId, command: parsed.data.command, params: parsed.data.params, issued_by: parsed.data.issued_by });
    bus.emit('device.status', model.status());
    log.info(
      { device: deviceId, command: parsed.data.command, params: parsed.data.params, by: parsed.data.issued_by, jti: v.command.jti },
      'device command applied',
    );
    return answer(commandAck(deviceId, v, at));
  };

  const sim: Simulator = {
    async start() {
      if (running) return;
      client = await broker.connect('aegisflow-simulator-');
      client.on('message', (topic, payload) => {
        if (!topic.startsWith(COMMAND_TOPIC_PREFIX)) return;
        const deviceId = topic.slice(COMMAND_TOPIC_PREFIX.length);
        let body: unknown;
        try {
          body = JSON.parse(payload.toString('utf8'));
        } catch {
          body = undefined; // refused as malformed, and answered like any other refusal
        }
        const ack = applyCommand(deviceId, body);
        // QoS 1: the executor waits for this answer; without it the command is audited NO_ACK.
        client?.publish(ackTopic(deviceId), JSON.stringify(ack), { qos: 1 }, (err) => {
          if (err) warn('ack_publish_failed', { device: deviceId, err: err.message }, 'could not publish a command acknowledgement');
        });
      });
      await client.subscribeAsync(COMMAND_TOPIC_PREFIX + '#', { qos: 1 });
      running = true;
      reanchor();
      emitStatus();
      if (!paused) schedule(0);
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = null;
      if (client) await client.endAsync();
      client = null;
      finishedResolve?.();
    },
    pause() {
      paused = true;
      if (timer) clearTimeout(timer);
      timer = null;
      emitStatus();
    },
    resume() {
      if (!paused) return;
      paused = false;
      reanchor();
      emitBreak('resume');
      emitStatus();
      if (running) schedule(0);
    },
    setSpeed(speed) {
      if (!Number.isFinite(speed) || speed < 0) throw new Error('speed must be 0 (max) or a positive number');
      const changed = speed !== opts.speed;
      opts.speed = speed;
      reanchor();
      if (changed) emitBreak('speed');
      emitStatus();
      if (running && !paused) schedule(0);
    },
    seek(simTime) {
      const t = typeof simTime === 'number' ? simTime : Date.parse(simTime);
      if (!Number.isFinite(t)) throw new Error(`not a time: ${simTime}`);
      let lo = 0;
      let hi = rows.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (rows[mid].ts < t) lo = mid + 1;
        else hi = mid;
      }
      index = lo;
      done = false;
      reanchor();
      emitBreak('seek');
      emitStatus();
      if (running && !paused) schedule(0);
    },
    jumpToScenario(type, leadSeconds = 60) {
      const info = sim.scenarios().find((s) => s.type === type);
      if (!info) throw new Error(`scenario ${type} is not in this dataset`);
      const start = rows[0].ts - (rows[0].ts % 86_400_000) + info.startHour * 3_600_000;
      sim.seek(start - leadSeconds * 1000);
      return info;
    },
    status,
    plantTime: () => (published > 0 ? lastOut : null),
    devices: () => [...models.values()].map((m) => m.status()),
    device: (id) => models.get(id),
    scenarios: () =>
      SCENARIOS.filter((s) => models.has(s.device_id)).map((s) => ({
        type: s.type,
        device_id: s.device_id,
        startHour: s.startHour,
        endHour: s.endHour,
      })),
    finished: () => finishedPromise,
    applyCommand,
    commandCounters: () => ({ ...counters, byCode: { ...counters.byCode } }),
  };
  return sim;
}

function inferInterval(rows: readonly TimedReading[]): number {
  for (let i = 1; i < rows.length; i++) {
    const d = rows[i].ts - rows[i - 1].ts;
    if (d > 0) return d;
  }
  return 5000;
}
