// aegisflow: one CLI for the whole product. Each subcommand documents its flags in `--help`.
import { agentCommand } from './commands/agent';
import { auditCommand } from './commands/audit';
import { dataCommand } from './commands/data';
import { serveCommand } from './commands/serve';
import { detectCommand } from './commands/detect';
import { mcpCommand } from './commands/mcp';
import { demoCommand } from './commands/demo';
import { operatorCommand } from './commands/operator';
import { plantCommand } from './commands/plant';
import { alarmsCommand } from './commands/alarms';
import type { CliCommand } from './types';

export const COMMANDS: CliCommand[] = [
  serveCommand,
  dataCommand,
  operatorCommand,
  agentCommand,
  auditCommand,
  plantCommand,
  detectCommand,
  demoCommand,
  mcpCommand,
  alarmsCommand,
];

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `AegisFlow — offline plant control room where AI agents help operators but never act unchecked.

Usage: aegisflow <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run 'aegisflow <command> --help' for a command's options.`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write('aegisflow 0.1.0\n');
    return 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`aegisflow: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  return cmd.run(rest);
}
