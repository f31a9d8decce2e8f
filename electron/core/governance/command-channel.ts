// The executor's MQTT connection: publishes device commands on aegisflow/commands/{device_id}. It
// connects with the executor client-id prefix, which the broker requires for command topics, and is
// handed to the gateway as its publishCommand; nothing else in the app gets a handle on it.
import type { MqttClient } from 'mqtt';
import type { DeviceCommand } from '../../../shared/domain';
import { commandTopic, EXECUTOR_CLIENT_PREFIX, type PlantBroker } from '../broker';
import type { Logger } from '../observability';
import type { PublishCommand } from './executor';

export interface CommandChannel {
  publish: PublishCommand;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createMqttCommandChannel(broker: PlantBroker, log: Logger): CommandChannel {
  let client: MqttClient | null = null;
  return {
    async publish(deviceId: string, cmd: DeviceCommand) {
      if (!client || !client.connected) throw new Error('command channel is not connected to the broker');
      // QoS 1: a command must arrive. Single use is enforced before this point (the jti store).
      await client.publishAsync(commandTopic(deviceId), JSON.stringify(cmd), { qos: 1 });
    },
    async start() {
      client = await broker.connect(EXECUTOR_CLIENT_PREFIX);
      log.info('executor command channel connected');
    },
    async stop() {
      const c = client;
      client = null;
      if (c) await c.endAsync().catch(() => {});
    },
  };
}
