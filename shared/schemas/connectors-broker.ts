// The broker an MQTT-based connector (MQTT JSON, Sparkplug B) reads from, as the plant model file spells it:
// `embedded` is the core's own broker (the embedded aedes, or the external one the core is configured with);
// an object gives the connector a client of its own.
import { z } from 'zod';

/** A broker of the connector's own: its URL and login. */
export const OwnBrokerSchema = z.strictObject({
  url: z.string().regex(/^(mqtts?|wss?|tcp|ssl):\/\/[^\s]+$/, 'a broker URL such as mqtt://host:1883 or mqtts://host:8883'),
  username: z.string().max(256).optional(),
  password: z.string().max(1024).optional(),
});

/** `embedded` (the default) or a broker of the connector's own, described by `own`. */
export const brokerSetting = <T extends z.ZodType>(own: T) => z.union([z.literal('embedded'), own]).default('embedded');
