// Command parameters against the asset type's schema in the plant model. One check, asked twice: by the
// governance gateway before an operator approves or anything is published (so an approval of a command
// the device must refuse is stopped early, with the device's reason), and by the device on arrival.
import { z } from 'zod';
import { paramExpectation, type AssetView, type CommandView } from '../../../shared/schemas/model';

type ParamSpec = CommandView['params'][string];

function paramSchema(p: ParamSpec): z.ZodType {
  let s: z.ZodType;
  if (p.type === 'number' || p.type === 'integer') {
    let n = p.type === 'integer' ? z.number().int() : z.number();
    if (p.min !== undefined) n = n.min(p.min);
    if (p.max !== undefined) n = n.max(p.max);
    s = n;
  } else if (p.type === 'boolean') s = z.boolean();
  else s = p.enum?.length ? z.enum(p.enum) : z.string().max(500);
  return p.required ? s : s.optional();
}

const schemas = new WeakMap<CommandView, z.ZodObject>();
function commandSchema(c: CommandView): z.ZodObject {
  let s = schemas.get(c);
  if (!s) {
    s = z.object(Object.fromEntries(Object.entries(c.params).map(([k, p]) => [k, paramSchema(p)])));
    schemas.set(c, s);
  }
  return s;
}

/**
 * What the device would say about this command and its parameters, before any state is considered:
 * null when they are acceptable. Parameters the type does not declare are ignored, as the demo always has.
 */
export function commandParamsProblem(asset: AssetView, command: string, params: Record<string, unknown>): string | null {
  const spec = asset.commands.find((c) => c.name === command);
  if (!spec) {
    const valid = asset.commands.map((c) => c.name).join(', ') || 'none';
    return `${asset.id} (${asset.type}) has no command "${command}"; its commands: ${valid}`;
  }
  const parsed = commandSchema(spec).safeParse(params);
  if (parsed.success) return null;
  const issue = parsed.error.issues[0];
  const key = String(issue?.path[0] ?? '');
  const p = spec.params[key];
  return p ? `${command} needs ${key} ${paramExpectation(p)}: ${issue?.message}` : `${command}: ${issue?.message}`;
}
