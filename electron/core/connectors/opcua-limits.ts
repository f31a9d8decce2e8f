// The limits an OPC UA server publishes for its clients (ServerCapabilities), read once per session so the
// client plans its subscriptions within them (opcua-map.ts planSubscriptions). Loaded with the client.
import { AttributeIds, VariableIds, type ClientSession } from 'node-opcua';
import { NO_LIMITS, type ServerLimits } from './opcua-map';

/** The limits a server publishes in its ServerCapabilities (a server that publishes none: no known limit). */
export async function readServerLimits(s: ClientSession): Promise<ServerLimits> {
  const ids = [
    VariableIds.Server_ServerCapabilities_MaxSubscriptionsPerSession,
    VariableIds.Server_ServerCapabilities_MaxMonitoredItemsPerSubscription,
    VariableIds.Server_ServerCapabilities_MaxMonitoredItems,
    VariableIds.Server_ServerCapabilities_OperationLimits_MaxMonitoredItemsPerCall,
  ];
  try {
    const dvs = await s.read(ids.map((id) => ({ nodeId: `i=${id}`, attributeId: AttributeIds.Value })));
    const n = (i: number) => {
      const dv = dvs[i];
      const v: unknown = dv?.statusCode.isGood() ? dv.value.value : 0;
      return typeof v === 'number' && v > 0 ? v : 0;
    };
    return { subscriptionsPerSession: n(0), itemsPerSubscription: n(1), items: n(2), itemsPerCall: n(3) };
  } catch {
    return NO_LIMITS;
  }
}
