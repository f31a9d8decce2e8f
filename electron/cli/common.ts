// Flags shared by the subcommands that build a config: config file, data dir, ports, log level.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, describeStartFailure, loadConfig, type Config } from '../core/config';
import { AuthError, LinkError, LOCAL_CORE_OVERRIDES, openCore, RequestError, type CoreLink, type OpenOptions } from './link';

export const COMMON_OPTIONS = {
  config: { type: 'string', short: 'c' },
  'data-dir': { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export const COMMON_HELP = `Common options:
  -c, --config FILE     YAML or JSON config file (env AEGISFLOW_CONFIG)
      --data-dir DIR    data directory: dataset, database, keys (env AEGISFLOW_DATA_DIR; default ./data)
      --log-level LVL   fatal|error|warn|info|debug|trace|silent (env AEGISFLOW_LOG_LEVEL; default info)
  -h, --help            show this help
Precedence: defaults < config file < environment < flags. Any config key can also be set from the
environment as AEGISFLOW__section__key (e.g. AEGISFLOW__simulator__speed=10).`;

export type Overrides = Record<string, unknown>;

export function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new ConfigError(`--${name} must be a number, got "${v}"`);
  return n;
}

export function buildConfig(values: Record<string, unknown>, overrides: Overrides = {}): Config {
  const o: Overrides = { ...overrides };
  if (values['data-dir'] !== undefined) o.dataDir = values['data-dir'];
  if (values['log-level'] !== undefined) o.log = { ...(o.log as object), level: values['log-level'] };
  return loadConfig({ file: values.config as string | undefined, env: process.env, overrides: o });
}

/** The config of a command that reaches the core (agent, audit, operator): a local core, if it starts one, stays quiet and off the network. */
export function buildLinkConfig(values: Record<string, unknown>): Config {
  return buildConfig(values, { ...LOCAL_CORE_OVERRIDES, log: { destination: 'stderr', level: values['log-level'] ?? 'error' } });
}

/** A usage error (exit code 2) with one line for a person. */
export function usageError(message: string): Error {
  return Object.assign(new Error(message), { code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' });
}

/** Split "a, b,c" into ['a','b','c']. */
export const csv = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, allowPositionals = false) {
  return parseArgs({ args: argv, options, allowPositionals, strict: true });
}

/**
 * Parse a command's flags, or answer for it: a usage error (exit code 2 via fail) or --help (the help
 * on stdout, exit code 0). With `needsSubcommand`, no positional at all prints the help and gives 2.
 */
export function parseCommand<T extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: T,
  help: string,
  opts: { positionals?: boolean; needsSubcommand?: boolean } = {},
): ReturnType<typeof parse<T>> | number {
  let r: ReturnType<typeof parse<T>>;
  try {
    r = parse(argv, options, opts.positionals ?? opts.needsSubcommand ?? false);
  } catch (err) {
    return fail(err);
  }
  const asked = (r.values as { help?: boolean }).help === true;
  if (asked || (opts.needsSubcommand && r.positionals.length === 0)) {
    process.stdout.write(help + '\n');
    return asked ? 0 : 2;
  }
  return r;
}

const oneLine = (s: string) => s.replace(/\s*\n\s*/g, '; ');

/**
 * Print an error for a person and return exit code 2 (usage, config, or an environment that does not
 * let the command start: a port in use, a corrupt or unwritable database, a full disk) or 1 (a bug).
 * Either way one line; the stack only with AEGISFLOW_DEBUG=1.
 */
/** command: who speaks in a refusal of the core or the app (AuthError, RequestError, LinkError). */
export function fail(err: unknown, command = 'aegisflow'): number {
  const e = err as Error & { code?: string };
  if (err instanceof AuthError) {
    process.stderr.write(`${command}: ${oneLine(err.message)}\n`);
    return 3;
  }
  if (err instanceof RequestError) {
    process.stderr.write(`${command}: ${oneLine(err.message)}\n`);
    return err.code === 'unauthenticated' ? 3 : 1;
  }
  if (err instanceof LinkError) {
    process.stderr.write(`${command}: ${oneLine(err.message)}\n`);
    return 2;
  }
  if (
    e instanceof ConfigError ||
    e?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ||
    e?.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' ||
    e?.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL'
  ) {
    process.stderr.write(`aegisflow: ${oneLine(e.message)}\n`);
    return 2;
  }
  const env = describeStartFailure(err);
  if (env) {
    process.stderr.write(`aegisflow: ${oneLine(env)}\n`);
    return 2;
  }
  if (process.env.AEGISFLOW_DEBUG === '1') process.stderr.write(`aegisflow: ${e?.stack ?? String(err)}\n`);
  else process.stderr.write(`aegisflow: ${oneLine(e?.message ?? String(err))} (AEGISFLOW_DEBUG=1 shows where)\n`);
  return 1;
}

/**
 * A command with subcommands that reaches the core (agent, audit, operator): flags and --help, an
 * unknown subcommand, the link to the core (opened by the body when it needs it, always closed), and
 * refusals as one line with their exit code.
 */
export async function runLinked<T extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  spec: { name: string; options: T; help: string; subcommands: readonly string[] },
  body: (ctx: {
    values: ReturnType<typeof parse<T>>['values'];
    positionals: string[];
    sub: string;
    open(opts?: OpenOptions): Promise<CoreLink>;
  }) => Promise<number>,
): Promise<number> {
  const parsed = parseCommand(argv, spec.options, spec.help, { needsSubcommand: true });
  if (typeof parsed === 'number') return parsed;
  const sub = parsed.positionals[0];
  if (!spec.subcommands.includes(sub)) {
    process.stderr.write(`aegisflow ${spec.name}: unknown subcommand "${sub}"\n\n${spec.help}\n`);
    return 2;
  }
  const held: { link: CoreLink | null } = { link: null };
  try {
    return await body({
      values: parsed.values,
      positionals: parsed.positionals,
      sub,
      open: async (opts) => (held.link = await openCore(buildLinkConfig(parsed.values), opts)),
    });
  } catch (err) {
    return fail(err, `aegisflow ${spec.name}`);
  } finally {
    await held.link?.close();
  }
}
