// Plant domain shared by the core and the renderer: the constants and types of ./plant plus the zod
// schemas of what crosses the wire. Pure TypeScript + zod: no Node, no DOM.
import { z } from 'zod';
import { DEVICE_COMMANDS } from './plant';

export * from './plant';

/** The demo's wire schema of a sensor payload (flat, five fields); ingest turns it into a Reading. Unknown keys are tolerated and dropped. */
export { SeedPayloadSchema } from './schemas/plant';

/** A command as a device model applies it: built by the device from verified arguments (on the wire a command is {args, intent_token}, electron/edge/verifier.ts). */
export const DeviceCommandSchema = z.object({
  command: z.enum(DEVICE_COMMANDS),
  params: z.record(z.string(), z.unknown()).default({}),
  /** Who asked, for the record (agent id or 'operator'). */
  issued_by: z.string().max(128).optional(),
});
export type DeviceCommand = z.infer<typeof DeviceCommandSchema>;
