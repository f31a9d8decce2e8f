// Connectors (issue 15): where the plant's values come from. One module per connector type; the plant
// model declares the instances and binds each tag to one; several run at once. Ingest builds them from
// the model in force and rebuilds them when it changes.
import path from 'node:path';
import type { ModelIndex } from '../model';
import { createMqttJsonConnector } from './mqtt-json';
import { bindTags } from './mqtt-json-map';
import { createOpcUaConnector } from './opcua';
import { createSparkplugConnector } from './sparkplug';
import type { Connector, ConnectorContext } from './types';

export type { BoundTag, Connector, ConnectorContext, ConnectorRejectReason, ConnectorState, ConnectorStatus, SampleQuality, TagSample } from './types';
export { loadOpcUaTools } from './opcua';
export { tlsHint } from './broker-login';
export type { BrowsedVariable } from './opcua-browse';
export { bindTags, buildIndex, createMqttJsonEncoder, decodeMessage, encodeMqttJson, filterOf, topicMatches } from './mqtt-json-map';
export {
  decodePayload as decodeSparkplug,
  encodePayload as encodeSparkplug,
  num as sparkplugNumber,
  parseTopic as parseSparkplugTopic,
  REBIRTH_METRIC,
  topicOf as sparkplugTopic,
  type UMetric,
} from './sparkplug-map';

/**
 * One connector per connector of the model, by type. The model loader has validated every connector's
 * settings (shared/schemas/connectors.ts), and refuses the types this build cannot run yet, so a model
 * in force never asks for one; the check here only guards a model built without the loader.
 */
export function createConnectors(model: ModelIndex, ctx: ConnectorContext): Connector[] {
  return model.model.connectors.map(({ id, type }) => {
    const settings = model.connectors.find((c) => c.id === id);
    if (!settings || settings.type !== type) throw new Error(`connector ${id} (${type}): no validated settings; load the model with parseModel`);
    if (settings.type === 'opc-ua') return createOpcUaConnector(settings, bindTags(model.model, id), ctx);
    // A CA file is named relative to the model file, like the model's other files.
    const b = settings.broker;
    const broker = b !== 'embedded' && b.ca ? { ...b, ca: path.resolve(path.dirname(model.model.file), b.ca) } : b;
    if (settings.type === 'sparkplug-b') return createSparkplugConnector({ ...settings, broker }, bindTags(model.model, id), ctx);
    return createMqttJsonConnector({ ...settings, broker }, bindTags(model.model, id), ctx);
  });
}
