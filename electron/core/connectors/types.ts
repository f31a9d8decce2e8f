// The connector interface (issue 15): a connector reads the values of the tags bound to it from one
// kind of source (MQTT JSON now; OPC UA and Sparkplug B in issue 16) and hands them to ingest as tag
// samples. Ingest owns everything after that: grouping, quality against the model, storage, the live view.
import type { TagView } from '../../../shared/schemas/model';
import type { ConnectorStatusView, Quality } from '../../../shared/schemas/plant';
import type { CommandMessage } from '../../edge/verifier';
import type { DeviceReply, PlantBroker } from '../broker';
import type { Clock } from '../clock';
import type { Logger } from '../observability';

/** A value's quality when it is not good (the reading shape's Quality). */
export type SampleQuality = Quality;

/** One value of one tag at one time. `value` is null only when the source sent something that is no number (bad_payload). */
export interface TagSample {
  /** Tag id: "<device>/<key>". */
  tag: string;
  device_id: string;
  key: string;
  ts: number;
  value: number | null;
  quality?: SampleQuality;
}

/** Why a whole message was refused (counted per reason, as ingest has always counted them). */
export type ConnectorRejectReason = 'oversize' | 'bad_json' | 'schema' | 'non_finite' | 'unknown_device' | 'topic_mismatch' | 'bad_timestamp';

export type ConnectorState = ConnectorStatusView['state'];

/** A connector's link and what it delivered (the contract's connector status). */
export type ConnectorStatus = ConnectorStatusView;

/** A connector's status before it has tried its source: connecting, nothing delivered yet. */
export function initialStatus(id: string, type: ConnectorStatus['type'], endpoint: string, now: number): ConnectorStatus {
  return { id, type, state: 'connecting', since: now, endpoint, lastValueAt: null, values: 0, messages: 0, errors: 0, lastError: null };
}

/**
 * A connector's state changes: an error is recorded whenever given; a new state is stamped with the
 * time and reported (with the endpoint as it is now), the same state again is not.
 */
export function stateSetter(status: ConnectorStatus, ctx: Pick<ConnectorContext, 'clock' | 'onStatus'>, endpoint: () => string) {
  return (state: ConnectorState, error?: string): void => {
    if (error) status.lastError = error;
    if (status.state === state) return;
    status.state = state;
    status.since = ctx.clock.now();
    ctx.onStatus({ ...status, endpoint: endpoint() });
  };
}

export interface Connector {
  readonly id: string;
  readonly type: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): ConnectorStatus;
  /** Feed one raw message as if it arrived from the source (tests, and ingest.accept). False when the connector takes no such input. */
  inject?(topic: string, payload: Buffer): boolean;
  /**
   * Carry one governed command (the exact tool arguments and their intent token) to a device this connector
   * reads, and wait for the device's answer. The device verifies the token where the command is carried
   * out. Connectors without it leave commands to the core's MQTT command channel.
   */
  command?(deviceId: string, message: CommandMessage, jti: string): Promise<DeviceReply>;
  /** Trust the server certificate this connector was refused by (OPC UA); false when that is not the one waiting. */
  trust?(thumbprint: string): Promise<boolean>;
}

/** A tag bound to a connector, with the names its placeholders are filled from. */
export interface BoundTag {
  view: TagView;
  vars: Readonly<Record<'site' | 'area' | 'line' | 'asset' | 'device' | 'tag', string>>;
}

/** What a connector gets from ingest and the core. */
export interface ConnectorContext {
  /** The core's broker: `subscribeLocal` on the embedded one, `connect()` for a client of an external one. */
  broker: PlantBroker;
  /** Good and bad-payload values of one message (one call per message). */
  emit(samples: TagSample[]): void;
  /** A message refused whole, with a stable reason. */
  reject(reason: ConnectorRejectReason, topic: string, detail: string): void;
  /** Commit what was emitted; false when the store refused (then a QoS 1 message stays unacknowledged). */
  commit(): boolean;
  /** Every state change. */
  onStatus(status: ConnectorStatus): void;
  /** The link to the core's own broker went down or came back (only connectors on the core's broker call it). */
  coreBrokerLink?(connected: boolean, url: string): void;
  /**
   * The persistent session client id of a connector (stable across restarts of one installation). On a
   * broker of its own (`foreign`) it must not use the prefix the core's embedded broker reserves.
   */
  sessionId(connectorId: string, foreign: boolean): string;
  clock: Clock;
  /** The clock of a device's source (the replay's time for simulated devices): arrival times and the timestamp window. */
  plantNow(deviceId: string): number;
  /** Timestamps further than this behind or ahead of the plant clock are refused as bad_timestamp. */
  window: { pastMs: number; futureMs: number };
  maxPayloadBytes: number;
  log: Logger;
  /** The core's data dir: where connectors keep their certificates and trust lists (OPC UA refuses to start without it). */
  dataDir?: string;
}
