// The OPC UA connector as the connector set builds it: node-opcua (seconds to import, and chatty on
// stdout when it loads) is loaded only when an OPC UA connector starts, so a core or a CLI command
// without one never pays for it. The client itself is opcua-client.ts.
import type { OpcUaSettings } from '../../../shared/schemas/connectors-opcua';
import { initialStatus, type BoundTag, type Connector, type ConnectorContext } from './types';

export function createOpcUaConnector(settings: OpcUaSettings, tags: readonly BoundTag[], ctx: ConnectorContext): Connector {
  let impl: Connector | null = null;
  const before = initialStatus(settings.id, 'opc-ua', settings.endpoint, ctx.clock.now());
  return {
    id: settings.id,
    type: 'opc-ua',
    async start() {
      impl ??= (await import('./opcua-client')).createOpcUaClientConnector(settings, tags, ctx);
      await impl.start();
    },
    async stop() {
      await impl?.stop();
    },
    status: () => impl?.status() ?? { ...before },
    command: (deviceId, message, jti) => impl?.command?.(deviceId, message, jti) ?? Promise.resolve({ status: 'no_ack', waitedMs: 0 }),
    trust: async (thumbprint) => (await impl?.trust?.(thumbprint)) ?? false,
  };
}

/** The browse and PKI tools of `aegisflow plant browse`, loaded on demand for the same reason. */
export const loadOpcUaTools = () => import('./opcua-tools');
