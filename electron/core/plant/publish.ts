// How the simulated devices publish: in the format of the connector each tag is bound to, so what the
// simulator sends is what that plant's real sources would send (the demo's flat JSON per device, the
// water plant's one message per tag, ...), through the connector module's own encoder (the inverse of
// what ingest decodes). Only MQTT JSON connectors can be simulated.
import type { ConnectorSettings } from '../../../shared/schemas/connectors';
import type { PlantModelView, TagView } from '../../../shared/schemas/model';
import { bindTags, createMqttJsonEncoder } from '../connectors';

export interface TagValue {
  /** Tag id. */
  tag: string;
  ts: number;
  value: number;
}

export interface OutMessage {
  topic: string;
  payload: string;
}

export type Encoder = (samples: readonly TagValue[]) => OutMessage[];

/** A plant model with its connectors' settings (a ModelIndex, or a parsed model file). */
export interface PlantSpec {
  readonly model: PlantModelView;
  readonly connectors: readonly ConnectorSettings[];
}

/** How many of the model's tags the simulator can publish (bound to an MQTT JSON connector). */
export function simulableTags(plant: PlantSpec): number {
  return plant.connectors.filter((c) => c.type === 'mqtt-json').reduce((n, c) => n + bindTags(plant.model, c.id).length, 0);
}

/** An encoder for every MQTT JSON connector of the model; a tag bound to another type is not published. */
export function createModelEncoder(plant: PlantSpec): Encoder {
  const encoders = plant.connectors
    .filter((c) => c.type === 'mqtt-json')
    .map((c) => {
      const bound = bindTags(plant.model, c.id);
      return { tags: new Set(bound.map((b) => b.view.id)), encode: createMqttJsonEncoder(c, bound) };
    });
  return (samples) =>
    encoders.flatMap((e) => {
      const mine = samples.filter((s) => e.tags.has(s.tag));
      return mine.length ? e.encode(mine) : [];
    });
}

/** The samples of one device's frame, in the model's tag order (so a device message lists its tags as the model does). */
export function frameSamples(tags: readonly TagView[], ts: number, values: Readonly<Record<string, number>>): TagValue[] {
  const out: TagValue[] = [];
  for (const t of tags) {
    const v = values[t.key];
    if (v !== undefined) out.push({ tag: t.id, ts, value: v });
  }
  return out;
}
