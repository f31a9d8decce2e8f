// Replay simulator: replays a plant's data (any plant model plus its CSV) at any speed, with pause,
// seek and jump-to-scenario, through a real MQTT client, each value in the format of the connector its
// tag is bound to; applies commands from aegisflow/commands/{device_id} through each device's model
// (the demo's physics for compressor/motor/pump types, the generic model otherwise). Like a real device
// behind an edge gateway it trusts no publisher: every command must carry a valid intent token of the
// gateway (electron/edge/verifier.ts) and it answers each one on aegisflow/acks/{device_id}.
import type { MqttClient } from 'mqtt';
import { commandAck, createCommandVerifier, type CommandAck } from '../../edge/verifier';
import type { SimulatorStatus } from '../../../shared/contract';
import type { AssetView } from '../../../shared/schemas/model';
import { ackTopic, COMMAND_TOPIC_PREFIX } from '../broker';
import { createRateLimitedLog } from '../observability';
import { DeviceModel } from './device-model';
import { GenericDeviceModel, type PlantDevice } from './generic-model';
import { createClockSegments } from './clock-store';
import { createPositionNotes, reachedBefore } from './replay-position';
import { createModelEncoder, frameSamples, type Encoder, type PlantSpec } from './publish';
import { SCENARIOS } from './scenarios';
import type { Tape } from './tape';

export type { CommandCounters, PreviewBase, Simulator, SimulatorDeps, SimulatorOptions } from './simulator-types';
import type { CommandCounters, Simulator, SimulatorDeps } from './simulator-types';

const MAX_SPEED_CHUNK = 2048;

/**
 * Clock segments a status carries: the one in force and a recent window, so a UI polling the status
 * stays small however many seeks and loops the store holds (10,000 made a status of 550 KB of JSON).
 */
export const STATUS_SEGMENTS = 16;

/** How far back the replay is searched for a device's newest values (frames of other devices in between). */
const PREVIEW_LOOKBACK_FRAMES = 200_000;

export function createSimulator(deps: SimulatorDeps): Simulator {
  const { broker, bus, clock, tape } = deps;
  const log = deps.log.child({ component: 'simulator' });
  const warn = createRateLimitedLog(log);
  const opts = { ...deps.options };
  const models = new Map<string, PlantDevice>();
  let assets = new Map<string, AssetView>();
  let encode: Encoder = () => [];
  // The devices are the model's assets the tape has data for: an asset with real sensors (no data on
  // the tape) is not simulated, so its readings are judged by the wall clock and commands reach the real device.
  const taped = new Set(tape.devices);
  const setModel = (plant: PlantSpec, encoder?: Encoder) => {
    const model = plant.model;
    assets = new Map(model.assets.map((a) => [a.id, a]));
    for (const id of [...models.keys()]) if (!assets.has(id)) models.delete(id);
    for (const a of model.assets) {
      if (!taped.has(a.id)) continue;
      const m = models.get(a.id);
      // A device keeps its state across a reload unless its kind of device model changed.
      if (m && m instanceof GenericDeviceModel === (a.model === 'generic')) m.setAsset(a);
      else models.set(a.id, a.model === 'generic' ? new GenericDeviceModel(a) : new DeviceModel(a));
    }
    encode = encoder ?? createModelEncoder(plant);
  };
  setModel(deps.model, deps.encode);
  const interval = tape.length > 1 ? inferInterval(tape) : 5000;
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
  // The plant clock against the wall clock, one segment per (re)start of pacing or pause (SimulatorStatus.clock);
  // kept across restarts when a store is given (clock-store.ts).
  const segments = deps.clockSegments ?? createClockSegments({ now: clock.now });
  const segment = (plant: number, rate: number | null) => segments.add({ wall: clock.now(), plant, rate });
  const reached = reachedBefore(segments, opts.timestamps, deps.resumeAfter);
  /** The first row at or after time t (binary search: the tape is in time order). */
  const rowAt = (t: number) => {
    let lo = 0;
    let hi = tape.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tape.ts(mid) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  // Kept timestamps are the plant clock itself, so the same rule means the replay position: a restart goes
  // on from the first row after the time reached. From row 0 it ran the clock back in silence (up to a
  // day at 100×), putting every alarm raised before the restart after "now". Past the dataset's end it is
  // where a replay that had gone on would be: its loop starts it over, or it is finished.
  if (opts.timestamps === 'keep' && Number.isFinite(reached) && tape.length > 0 && reached >= tape.ts(0)) {
    index = rowAt(reached + 1);
  }
  /**
   * The plant clock where the replay stands: the last published time, or where the clock's newest segment
   * put it when nothing was published since start or since a jump back (kept timestamps: seek, loop).
   */
  const standing = () => lastOut || (segments.last()?.plant ?? clock.now());
  let finishedResolve: (() => void) | null = null;
  const finishedPromise = new Promise<void>((r) => (finishedResolve = r));

  const status = (): SimulatorStatus => ({
    running,
    paused,
    speed: opts.speed,
    simTime: tape.length > 0 ? new Date(tape.ts(Math.min(index, tape.length - 1))).toISOString() : null,
    rowIndex: index,
    totalRows: tape.length,
    published,
    finished: done,
    clock: { ...segments.recent(STATUS_SEGMENTS), plantTime: published > 0 ? standing() : null, at: clock.now() },
  });
  const emitStatus = () => bus.emit('simulator.status', status());
  /** Tell the detectors the data is about to jump: the next published time is where it continues. */
  const emitBreak = (kind: 'seek' | 'speed' | 'resume' | 'loop') => {
    const rowTs = tape.length > 0 ? tape.ts(Math.min(index, tape.length - 1)) : null;
    const ts = rowTs !== null ? (opts.timestamps === 'shift' ? outBase + (rowTs - simBase) : rowTs) : clock.now();
    bus.emit('simulator.discontinuity', { kind, ts });
  };

  const positions = createPositionNotes(segments, clock.now, reached);
  const notePosition = () => {
    if (opts.timestamps === 'keep') positions.published(lastOut);
  };

  const reanchor = () => {
    if (index >= tape.length) return;
    const rowTs = tape.ts(index);
    // Kept timestamps: a jump (seek, loop) puts the clock at its row; what was published before is not where it stands.
    if (opts.timestamps === 'keep' && (index === 0 || tape.ts(index - 1) !== lastOut)) {
      positions.jumped(rowTs, lastOut);
      lastOut = 0;
    }
    wallAnchor = clock.now();
    simAnchor = rowTs;
    simBase = rowTs;
    outBase = lastOut ? lastOut + interval : Math.max(clock.now(), reached + interval);
    segment(opts.timestamps === 'shift' ? outBase : rowTs, paused ? 0 : opts.speed > 0 ? opts.speed : null);
  };

  /**
   * Publish one frame through its device model, in its tags' connector format. Returns how many
   * packets went out; `done` (if given) fires once the last one is written.
   */
  const publishRow = (c: MqttClient, i: number, done?: () => void): number => {
    const frame = tape.frame(i);
    const model = models.get(frame.device_id);
    const asset = assets.get(frame.device_id);
    if (!model || !asset) return 0;
    const ts = opts.timestamps === 'shift' ? outBase + (frame.ts - simBase) : frame.ts;
    // Shifted times only grow; kept ones are the replay's position, back after a seek or a loop.
    if (opts.timestamps === 'keep' || ts > lastOut) lastOut = ts;
    const shown = model.apply(frame);
    const messages = encode(frameSamples(asset.tags, ts, shown.values));
    published++;
    // QoS 1 to an external broker: it queues for ingest's persistent session through an outage of ours.
    const qos = broker.embedded ? 0 : 1;
    messages.forEach((m, k) => c.publish(m.topic, m.payload, { qos }, k === messages.length - 1 ? done : undefined));
    return messages.length;
  };

  /** Publish frames [from, to) and resolve when the last packet is written (backpressure without a promise per packet). */
  const publishRange = (c: MqttClient, from: number, to: number) =>
    new Promise<void>((resolve) => {
      let last = to - 1;
      // The last frame that sends anything carries the resolve (a frame of a device the model lacks sends nothing).
      while (last > from && models.get(tape.deviceId(last)) === undefined) last--;
      for (let i = from; i < to; i++) if (i !== last) publishRow(c, i);
      if (publishRow(c, last, () => resolve()) === 0) resolve();
    });

  const schedule = (ms: number) => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void pump(), Math.max(0, ms));
  };

  const atEnd = () => {
    if (opts.loop && tape.length > 0) {
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
    const c = client;
    if (!running || paused || pumping || !c) return;
    pumping = true;
    try {
      if (opts.speed === 0) {
        // As fast as the broker takes it: publish a chunk, wait for it to be written, yield, repeat.
        const end = Math.min(index + MAX_SPEED_CHUNK, tape.length);
        const from = index;
        index = end;
        if (end > from) await publishRange(c, from, end);
        notePosition();
        if (index >= tape.length && atEnd()) return;
        setImmediate(() => void pump());
        return;
      }
      // Paced: publish every row whose simulated time is due, then sleep until the next one is.
      const now = clock.now();
      const dueSim = simAnchor + (now - wallAnchor) * opts.speed;
      const from = index;
      while (index < tape.length && tape.ts(index) <= dueSim) index++;
      if (index > from) await publishRange(c, from, index);
      notePosition();
      if (index >= tape.length && atEnd()) return;
      schedule((tape.ts(index) - simAnchor) / opts.speed - (clock.now() - wallAnchor));
    } catch (err) {
      log.error({ err }, 'replay step failed');
      schedule(1000);
    } finally {
      pumping = false;
    }
  }

  const applyCommand: Simulator['applyCommand'] = (deviceId, payload) => {
    const at = new Date(standing()).toISOString();
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
    // Act only on what the verified arguments say; the device model checks them against its asset type.
    const cmd = { command: v.command.command, params: v.command.params };
    const err = model.command(cmd, at);
    if (err) return answer(commandAck(deviceId, v, at, err));
    const issuedBy = v.command.agent;
    bus.emit('device.command', { device_id: deviceId, command: cmd.command, params: cmd.params, issued_by: issuedBy });
    bus.emit('device.status', model.status());
    log.info({ device: deviceId, command: cmd.command, params: cmd.params, by: issuedBy, jti: v.command.jti }, 'device command applied');
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
      // The plant clock stands still while the core is down: times stamped later are not placed past it.
      if (running) segment(standing(), 0);
      running = false;
      if (timer) clearTimeout(timer);
      timer = null;
      if (client) await client.endAsync();
      client = null;
      finishedResolve?.();
    },
    pause() {
      paused = true;
      segment(standing(), 0);
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
      index = rowAt(t);
      done = false;
      reanchor();
      emitBreak('seek');
      emitStatus();
      if (running && !paused) schedule(0);
    },
    jumpToScenario(type, leadSeconds = 60) {
      const info = sim.scenarios().find((s) => s.type === type);
      if (!info) throw new Error(`scenario ${type} is not in this dataset`);
      const first = tape.ts(0);
      const start = first - (first % 86_400_000) + info.startHour * 3_600_000;
      sim.seek(start - leadSeconds * 1000);
      return info;
    },
    status,
    clockSegments: (from, to) => segments.range(from, to),
    plantTime: () => (published > 0 ? standing() : null),
    devices: () => [...models.values()].map((m) => m.status()),
    device: (id) => models.get(id),
    previewBase(deviceId) {
      const live = models.get(deviceId);
      if (!live) return null;
      for (let i = Math.min(index, tape.length) - 1, n = 0; i >= 0 && n < PREVIEW_LOOKBACK_FRAMES; i--, n++) {
        if (tape.deviceId(i) !== deviceId) continue;
        const plantTs = (ts: number) => (opts.timestamps === 'shift' ? outBase + (ts - simBase) : ts);
        return { device: live.clone(), base: tape.frame(i), plantTs, at: new Date(standing()).toISOString() };
      }
      return null;
    },
    resetDevices(ids) {
      for (const id of ids) {
        const a = assets.get(id);
        if (!a || !models.has(id)) continue;
        models.set(id, a.model === 'generic' ? new GenericDeviceModel(a) : new DeviceModel(a));
        log.info({ device: id }, 'simulated device reset to its initial state');
      }
    },
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
    setModel,
  };
  return sim;
}

function inferInterval(tape: Tape): number {
  for (let i = 1; i < tape.length; i++) {
    const d = tape.ts(i) - tape.ts(i - 1);
    if (d > 0) return d;
  }
  return 5000;
}
