// The replay simulator's interface and its dependencies (simulator.ts implements it).
import type { KeyObject } from 'node:crypto';
import type { ScenarioInfo, SimulatorStatus } from '../../../shared/contract';
import type { KnownDeviceStatus, ScenarioType } from '../../../shared/domain';
import type { CommandAck } from '../../edge/verifier';
import type { PlantBroker } from '../broker';
import type { EventBus } from '../bus';
import type { Clock } from '../clock';
import type { Logger } from '../observability';
import type { ClockSegments, ClockSegmentsPage } from './clock-store';
import type { PlantDevice, ReplayedValues } from './generic-model';
import type { Encoder, PlantSpec } from './publish';
import type { Tape } from './tape';

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
  /** The plant model and its connectors: its assets are the devices, and they publish in their connectors' format. */
  model: PlantSpec;
  /** The data to replay, in time order (frames of devices the model does not have are skipped). */
  tape: Tape;
  /** Encoder override (default: the model's connectors). */
  encode?: Encoder;
  options: SimulatorOptions;
  /** The governance gateway's Ed25519 public key: devices act only on commands it signed. */
  gatewayPublicKey: KeyObject | string;
  /** Where the clock segments are kept (default: in memory, lost on restart). */
  clockSegments?: ClockSegments;
  /**
   * The newest stored reading of its devices (plant time): in shift mode the replay resumes after it and
   * after the clock's last segment, so a restart (even after a crash, which leaves no stop's segment)
   * never stamps a reading before one already stored.
   */
  resumeAfter?: number | null;
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
  /** The status; its clock carries the newest segments only (STATUS_SEGMENTS), older ones come from clockSegments. */
  status(): SimulatorStatus;
  /** The stored clock segments that start in [from, to) wall ms, with the one covering `from`. */
  clockSegments(from?: number, to?: number): ClockSegmentsPage;
  /** The plant clock of the replay: the timestamp of the newest reading published, null before the first. */
  plantTime(): number | null;
  devices(): KnownDeviceStatus[];
  device(id: string): PlantDevice | undefined;
  scenarios(): ScenarioInfo[];
  /** Resolves when the replay reaches the end (never with loop on, unless stopped). */
  finished(): Promise<void>;
  /**
   * Offer a command message to a device: the MQTT path calls this for every message. It verifies the
   * intent token like the MQTT path, so calling it directly bypasses nothing. Returns the device's ack.
   */
  applyCommand(deviceId: string, payload: unknown): CommandAck;
  commandCounters(): CommandCounters;
  /**
   * Put simulated devices back as the replay starts them (running, full load, no lag): what a scripted
   * scenario (the demo) does when it ends, so the plant it leaves is the one it found. Simulation only:
   * a real device is never "reset", it is commanded through the gateway.
   */
  resetDevices(ids: readonly string[]): void;
  /**
   * A copy of a simulated device's model in its state now, its newest replayed (physics-free) values and
   * the map from replay time to published plant time: what a consequence preview runs forward (preview.ts).
   * Null when the simulator does not run this device. Nothing live is touched.
   */
  previewBase(deviceId: string): PreviewBase | null;
  /**
   * The plant model was reloaded: devices take their assets' new definitions (commands, limits, sim
   * blocks) and keep their state; removed assets stop publishing. The data stays: tags the dataset has
   * no column for are replayed after a restart.
   */
  setModel(plant: PlantSpec, encode?: Encoder): void;
}

export interface PreviewBase {
  device: PlantDevice;
  base: ReplayedValues;
  plantTs(replayTs: number): number;
  at: string;
}
