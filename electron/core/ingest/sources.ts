// The connectors ingest reads through: built from the model in force, rebuilt when the model changes
// (hot reload), with each one's status for the operator. A model reload swaps the whole set: the old
// connectors stop before the new ones start, one reload at a time.
import { createConnectors, type Connector, type ConnectorContext, type ConnectorStatus } from '../connectors';
import type { ModelIndex } from '../model';
import type { Logger } from '../observability';

export interface ConnectorSet {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Replace the connectors with the ones of this model (resolves once they run). */
  rebind(model: ModelIndex): Promise<void>;
  statuses(): ConnectorStatus[];
  /** Whether a connector is not delivering (down, connecting, or stopped). */
  isDown(connectorId: string): boolean;
  /** Feed one raw MQTT message to the connector that reads its topic (tests); false when none does. */
  inject(topic: string, payload: Buffer): boolean;
  /**
   * The connector that carries a device's commands: the one its tags are bound to, when that connector
   * type carries commands (OPC UA, Sparkplug B). Null: the core's MQTT command channel does.
   */
  commandRoute(deviceId: string): Connector | null;
  /** Trust the server certificate a connector waits on; false when no such connector or certificate. */
  trust(connectorId: string, thumbprint: string): Promise<boolean>;
}

export function createConnectorSet(initial: ModelIndex, ctx: ConnectorContext, log: Logger): ConnectorSet {
  let model = initial;
  let connectors: Connector[] = [];
  let running = false;
  let chain: Promise<void> = Promise.resolve();
  const serial = (fn: () => Promise<void>) => (chain = chain.then(fn, fn));

  const build = () => {
    connectors = createConnectors(model, ctx);
  };
  const startAll = async () => {
    for (const c of connectors) await c.start();
  };
  const stopAll = async () => {
    for (const c of connectors) {
      try {
        await c.stop();
      } catch (err) {
        log.warn({ err, connector: c.id }, 'connector did not stop cleanly');
      }
    }
  };

  // Built now, started by start(): a message fed in before (tests) is already read by the model's mapping.
  build();
  return {
    start: () =>
      serial(async () => {
        if (running) return;
        running = true;
        await startAll();
      }),
    stop: () =>
      serial(async () => {
        running = false;
        await stopAll();
      }),
    rebind: (next) =>
      serial(async () => {
        model = next;
        if (!running) return build();
        await stopAll();
        build();
        await startAll();
        log.info({ version: next.model.version, connectors: connectors.map((c) => c.id) }, 'connectors rebound to the reloaded plant model');
      }),
    statuses: () => connectors.map((c) => c.status()),
    isDown: (id) => {
      const c = connectors.find((x) => x.id === id);
      return !c || c.status().state !== 'connected';
    },
    inject(topic, payload) {
      return connectors.some((c) => c.inject?.(topic, payload) === true);
    },
    commandRoute(deviceId) {
      const asset = model.model.assets.find((a) => a.id === deviceId);
      if (!asset) return null;
      const bound = new Set(asset.tags.map((t) => t.source.connector));
      return connectors.find((c) => bound.has(c.id) && typeof c.command === 'function') ?? null;
    },
    trust: async (id, thumbprint) => (await connectors.find((c) => c.id === id)?.trust?.(thumbprint)) ?? false,
  };
}
