// execute_device_command against the plant model: a command the asset's type does not accept is refused
// with the commands it does accept and their parameters, in words an agent can act on. The parameters
// themselves are checked by the gateway's DeviceCommands port (the plant's commandParamsProblem, from
// the same model), before any operator is asked; the device checks again on arrival.
import type { AssetView, CommandView } from '../../../../shared/schemas/model';

type ParamSpec = CommandView['params'][string];

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

/** Why the asset's type does not accept this command, naming the ones it does (null: it accepts it). */
export function unknownCommandProblem(asset: AssetView, command: string): string | null {
  return asset.commands.some((c) => c.name === command)
    ? null
    : `${asset.id} (${asset.type}) has no command "${command}". Valid commands: ${commandsInWords(asset)}`;
}
