// The executor's MQTT connection: publishes device commands on aegisflow/commands/{device_id} and
// waits for the device's answer on aegisflow/acks/{device_id}. It connects with the executor client-id
// prefix, which the broker requires for command topics. The composition root hands its publish to the
// gateway (governance's PublishCommand port); nothing else in the app gets a handle on it.
import type { MqttClient } from 'mqtt';
import { ACK_TOPIC_PREFIX, commandTopic, type CommandMessage } from '../../edge/verifier';
import type { Logger } from '../observability';
import { EXECUTOR_CLIENT_PREFIX, type PlantBroker } from './index';
import { createPendingAcks, replyOf } from './pending-acks';

/** The device's answer to one command, as the channel saw it. */
export type DeviceReply = { status: 'accepted' } | { status: 'refused'; code: string; reason: string } | { status: 'no_ack'; waitedMs: number };

export interface CommandChannel {
  /** Publish one command message (the exact tool arguments and their token) and wait for the device's answer. */
  publish: (deviceId: string, message: CommandMessage, jti: string) => Promise<DeviceReply>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createMqttCommandChannel(broker: PlantBroker, log: Logger, opts: { ackTimeoutMs: number } = { ackTimeoutMs: 5000 }): CommandChannel {
  let client: MqttClient | null = null;
  // Commands sent and not yet answered, by token id, with the device each went to.
  const pending = createPendingAcks<{ deviceId: string }>();

  const onMessage = (topic: string, payload: Buffer) => {
    if (!topic.startsWith(ACK_TOPIC_PREFIX)) return;
    const deviceId = topic.slice(ACK_TOPIC_PREFIX.length);
    let ack: Record<string, unknown>;
    try {
      ack = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
    } catch {
      log.warn({ topic }, 'acknowledgement is not JSON');
      return;
    }
    // A refusal without a jti answers a message whose token did not verify: none of ours.
    if (typeof ack.jti !== 'string') return;
    const p = pending.get(ack.jti);
    if (!p) {
      log.warn({ device: deviceId, jti: ack.jti, status: ack.status }, 'acknowledgement for no waiting command (late, or a replayed message)');
      return;
    }
    if (p.deviceId !== deviceId || ack.device_id !== deviceId) {
      log.warn({ expected: p.deviceId, device: deviceId, jti: ack.jti }, 'acknowledgement from another device ignored');
      return;
    }
    pending.settle(ack.jti, replyOf(ack, 'the device gave no reason'));
  };

  return {
    async publish(deviceId: string, message: CommandMessage, jti: string) {
      if (!client || !client.connected) throw new Error('command channel is not connected to the broker');
      const c = client;
      const reply = pending.wait(jti, { deviceId }, opts.ackTimeoutMs);
      try {
        // QoS 1: a command must arrive. Single use is enforced before this point (the jti store) and by the device.
        await c.publishAsync(commandTopic(deviceId), JSON.stringify(message), { qos: 1 });
      } catch (err) {
        pending.cancel(jti);
        throw err;
      }
      return reply;
    },
    async start() {
      client = await broker.connect(EXECUTOR_CLIENT_PREFIX);
      client.on('message', onMessage);
      // mqtt.js subscribes again after a reconnect (clean sessions lose subscriptions).
      await client.subscribeAsync(ACK_TOPIC_PREFIX + '#', { qos: 1 });
      log.info('executor command channel connected');
    },
    async stop() {
      const c = client;
      client = null;
      pending.abandonAll();
      if (c) await c.endAsync().catch(() => {});
    },
  };
}
