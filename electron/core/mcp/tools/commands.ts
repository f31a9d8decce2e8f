// execute_device_command against the plant model: the command must be one the asset type accepts and
// its parameters must match the type's parameter schema (CommandView params), refused with the reason
// before any operator is asked. The gateway's DeviceCommands port and the device check again.
import { z } from 'zod';
import type { AssetView, CommandView } from '../../../../shared/schemas/model';

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

/** What a parameter must be, in words: "between 1 and 90", "an integer between 20 and 100", "one of a, b". */
export function paramExpectation(p: ParamSpec): string {
  if (p.type === 'boolean') return 'true or false';
  if (p.type === 'string') return p.enum?.length ? `one of ${p.enum.join(', ')}` : 'a string';
  const kind = p.type === 'integer' ? 'an integer ' : '';
  if (p.min !== undefined && p.max !== undefined) return `${kind}between ${p.min} and ${p.max}`;
  if (p.min !== undefined) return `${kind || 'a number '}of at least ${p.min}`;
  if (p.max !== undefined) return `${kind || 'a number '}of at most ${p.max}`;
  return p.type === 'integer' ? 'an integer' : 'a number';
}

/** "reduce_load {reduction_pct: number 1–90}, restore_load": a type's commands for an error or a description. */
export function commandsInWords(asset: AssetView): string {
  return (
    asset.commands
      .map((c) => {
        const ps = Object.entries(c.params).map(([k, p]) => `${k}${p.required ? '' : '?'}: ${paramExpectation(p)}`);
        return ps.length ? `${c.name} {${ps.join('; ')}}` : c.name;
      })
      .join(', ') || 'none'
  );
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

/** Why the asset would refuse this command or its parameters (null: acceptable). Undeclared parameters are ignored, as the demo always has. */
export function modelCommandProblem(asset: AssetView, command: string, params: Record<string, unknown>): string | null {
  const spec = asset.commands.find((c) => c.name === command);
  if (!spec) return `${asset.id} (${asset.type}) has no command "${command}". Valid commands: ${commandsInWords(asset)}`;
  const parsed = commandSchema(spec).safeParse(params);
  if (parsed.success) return null;
  const issue = parsed.error.issues[0];
  const key = String(issue?.path[0] ?? '');
  const p = spec.params[key];
  return p ? `${command} needs ${key} ${paramExpectation(p)}: ${issue?.message}` : `${command}: ${issue?.message}`;
}

/** The parameters as an object (they may come as JSON text); null when they are not one (the gateway says why). */
export function paramsObject(parameters: unknown): Record<string, unknown> | null {
  let v = parameters ?? {};
  if (typeof v === 'string') {
    try {
      v = v.trim() ? JSON.parse(v) : {};
    } catch {
      return null;
    }
  }
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v)) : null;
}
