// execute_device_command against the plant model: a command the asset's type does not accept is refused
// with the commands it does accept and their parameters, in words an agent can act on. The parameters
// themselves are checked by the gateway's DeviceCommands port (the plant's commandParamsProblem, from
// the same model), before any operator is asked; the device checks again on arrival.
import { paramExpectation, type AssetView } from '../../../../shared/schemas/model';

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
