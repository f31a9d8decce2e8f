// One zod schema for all configuration. Precedence: defaults < config file < environment < CLI flags.
// Every knob has a default that works offline; outside links (external broker, OTLP, LLM) are off.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { ImmuneConfigSchema } from './immune';
import { AlarmConfigSchema } from './alarms';
import { DetectConfigSchema } from './detect';
import { McpConfigSchema } from './mcp';
import { LogConfigSchema, MaskingConfigSchema, ObservabilityConfigSchema } from './observability';
import { AgentConfigSchema } from './agent';
import { OperatorsConfigSchema } from './operators';
import { GovernanceConfigSchema } from './governance';
import { BrokerConfigSchema } from './broker';
import { SimulatorConfigSchema } from './plant';
import { PlantConfigSchema } from './model';
import { IngestConfigSchema } from './ingest';
import { StoreConfigSchema } from './store';
import { HttpConfigSchema } from './http';

// Each subsystem owns its section's schema (exported from its index); this file only assembles them.
export const ConfigSchema = z.object({
  /** Runtime data dir: dataset, database, keys. */
  dataDir: z.string().default('data'),
  /** Folder with device_manual.md, policies/, icons. */
  resourcesDir: z.string().default('resources'),
  log: LogConfigSchema.prefault({}),
  broker: BrokerConfigSchema.prefault({}),
  /** The plant model file (issue 15): devices, tags, limits, commands and connectors. */
  plant: PlantConfigSchema.prefault({}),
  simulator: SimulatorConfigSchema.prefault({}),
  ingest: IngestConfigSchema.prefault({}),
  store: StoreConfigSchema.prefault({}),
  http: HttpConfigSchema.prefault({}),
  /** Operator accounts and sessions (issue 13). */
  operators: OperatorsConfigSchema,
  /** The governance gateway: policy, intent tokens, approvals, executor, audit chain (electron/core/governance/config.ts). */
  governance: GovernanceConfigSchema.prefault({}),
  /** Streaming anomaly detection (issue 4): learning period, thresholds, silent-device alarm. */
  detect: DetectConfigSchema.prefault({}),
  /** ISA-18.2 alarm handling: delays, shelving, chatter and flood limits. */
  alarms: AlarmConfigSchema.prefault({}),
  /** Immune system for the agent fleet (seed 001); see electron/core/immune/config.ts. */
  immune: ImmuneConfigSchema.prefault({}),
  /** Governed MCP server: /mcp endpoint, origins, body limit, sessions, operator waits (issue 6). */
  mcp: McpConfigSchema.prefault({}),
  /**
   * Secrets in agent input (issue 13, finding 9): masked on write wherever it is stored or shown
   * (audit, tool_calls, incidents, approvals, plans, notes, traces, logs, events, exports).
   */
  masking: MaskingConfigSchema.prefault({}),
  /** Traces of agent runs and the optional OTLP/HTTP export (issue 8). */
  observability: ObservabilityConfigSchema.prefault({}),
  /** The built-in operator agent: planner (rule | llm), triggers, LLM endpoint and prices (issue 8). */
  agent: AgentConfigSchema.prefault({}),
});

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * The core cannot start with what it was given (a corrupt or unwritable database, a full disk, a port
 * in use): one clear line for a person, exit code 2 from the CLI, and nothing half-started.
 */
export class StartError extends ConfigError {
  constructor(message: string) {
    super(message);
    this.name = 'StartError';
  }
}

/** A start failure of the environment (files, disk, ports) as one line; null for anything else. */
export function describeStartFailure(err: unknown, what?: string): string | null {
  const e = err as (Error & { code?: string; address?: string; port?: number; path?: string; syscall?: string }) | undefined;
  if (!e || typeof e !== 'object') return null;
  const code = String(e.code ?? '');
  const where = what ? `${what}: ` : '';
  if (code === 'EADDRINUSE')
    return `${where}address ${e.address ?? ''}:${e.port ?? ''} is already in use (another AegisFlow or another program); choose another port`;
  if (code === 'EADDRNOTAVAIL') return `${where}cannot bind to ${e.address ?? ''}:${e.port ?? ''}: no such address on this machine`;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
    return `${where}no permission to write ${e.path ?? ''} (${code}: read-only or not ours)`.replace(' )', ')');
  if (code === 'ENOSPC') return `${where}the disk is full (${e.path ?? 'no space left on device'})`;
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT')
    return `${where}the file is corrupt or not an AegisFlow database (${e.message}); move it aside to start with an empty one`;
  if (code === 'SQLITE_FULL' || code === 'SQLITE_IOERR_WRITE' || code === 'SQLITE_IOERR') return `${where}the disk is full or failing (${e.message})`;
  if (code === 'SQLITE_READONLY' || code === 'SQLITE_CANTOPEN' || code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN'))
    return `${where}cannot write the database (${e.message}): the data directory is read-only or not ours`;
  if (code.startsWith('SQLITE_')) return `${where}${e.message} (${code})`;
  return null;
}

type Plain = Record<string, unknown>;

function isPlain(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function deepMerge(base: Plain, over: Plain): Plain {
  const out: Plain = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    out[k] = isPlain(v) && isPlain(out[k]) ? deepMerge(out[k], v) : v;
  }
  return out;
}

function setPath(target: Plain, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let cur = target;
  for (const k of keys.slice(0, -1)) {
    if (!isPlain(cur[k])) cur[k] = {};
    cur = cur[k] as Plain;
  }
  cur[keys[keys.length - 1]] = value;
}

/** Environment variables with a documented name; any key is also settable as AEGISFLOW__section__key. */
export const ENV_VARS: Record<string, { path: string; type: 'string' | 'number' | 'boolean' }> = {
  AEGISFLOW_DATA_DIR: { path: 'dataDir', type: 'string' },
  AEGISFLOW_RESOURCES_DIR: { path: 'resourcesDir', type: 'string' },
  AEGISFLOW_LOG_LEVEL: { path: 'log.level', type: 'string' },
  AEGISFLOW_BROKER_URL: { path: 'broker.url', type: 'string' },
  AEGISFLOW_MQTT_HOST: { path: 'broker.host', type: 'string' },
  AEGISFLOW_MQTT_PORT: { path: 'broker.port', type: 'number' },
  AEGISFLOW_MQTT_WS_PORT: { path: 'broker.wsPort', type: 'number' },
  AEGISFLOW_MQTT_USERNAME: { path: 'broker.username', type: 'string' },
  AEGISFLOW_MQTT_PASSWORD: { path: 'broker.password', type: 'string' },
  AEGISFLOW_SPEED: { path: 'simulator.speed', type: 'number' },
  AEGISFLOW_SEED: { path: 'simulator.seed', type: 'number' },
  AEGISFLOW_DATASET: { path: 'simulator.dataset', type: 'string' },
  AEGISFLOW_HTTP_HOST: { path: 'http.host', type: 'string' },
  AEGISFLOW_HTTP_PORT: { path: 'http.port', type: 'number' },
};

export function coerce(raw: string, type?: 'string' | 'number' | 'boolean'): unknown {
  if (type === 'string') return raw;
  if (type === 'number' || (type === undefined && /^-?\d+(\.\d+)?$/.test(raw))) {
    const n = Number(raw);
    if (!Number.isFinite(n)) throw new ConfigError(`not a number: ${raw}`);
    return n;
  }
  if (type === 'boolean' || (type === undefined && /^(true|false)$/i.test(raw))) return /^(1|true|yes|on)$/i.test(raw);
  if (type === undefined && raw === 'null') return null;
  return raw;
}

export function configFromEnv(env: NodeJS.ProcessEnv): Plain {
  const out: Plain = {};
  for (const [name, spec] of Object.entries(ENV_VARS)) {
    const raw = env[name];
    if (raw !== undefined && raw !== '') setPath(out, spec.path, coerce(raw, spec.type));
  }
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('AEGISFLOW__') || raw === undefined) continue;
    setPath(out, name.slice('AEGISFLOW__'.length).split('__').join('.'), coerce(raw));
  }
  return out;
}

export function readConfigFile(file: string): Plain {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = file.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    throw new ConfigError(`config file ${file} is not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`);
  }
  if (parsed == null) return {};
  if (!isPlain(parsed)) throw new ConfigError(`config file ${file} must hold a mapping at the top level`);
  return parsed;
}

export function formatZodIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

// ---------------------------------------------------------------- unknown keys (issue 19)

interface ZodInternals {
  _zod?: { def?: { type?: string; shape?: Record<string, unknown>; innerType?: unknown; in?: unknown; out?: unknown; options?: unknown[]; element?: unknown } };
}

/** The object schema under defaults, prefaults, optionals and pipes (null when it is not an object). */
function objectShape(schema: unknown): Record<string, unknown> | null {
  let s = schema as ZodInternals;
  for (let i = 0; i < 20 && s?._zod?.def; i++) {
    const d = s._zod.def;
    if (d.type === 'object') return d.shape ?? null;
    if (d.innerType) s = d.innerType;
    else if (d.type === 'pipe' && d.in) s = d.in;
    else return null;
  }
  return null;
}

function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[n];
}

/** The known key closest to a misspelt one, when it is close enough to be a typo. */
export function nearMiss(key: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const k of known) {
    const d = k.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best !== null && bestD <= Math.max(2, Math.floor(key.length / 3)) ? best : null;
}

/**
 * Every key of `value` that `schema` does not know, as "path (did you mean …?)". Walks every object
 * section (nested too) of the config; a record (a map keyed by the operator) takes any key.
 */
export function unknownConfigKeys(schema: unknown, value: unknown, at: string[] = []): string[] {
  const shape = objectShape(schema);
  if (!shape || !isPlain(value)) return [];
  const out: string[] = [];
  const known = Object.keys(shape);
  for (const [k, v] of Object.entries(value)) {
    if (!(k in shape)) {
      const hint = nearMiss(k, known);
      out.push(`${[...at, k].join('.')}${hint ? ` (did you mean "${hint}"?)` : ''}`);
      continue;
    }
    out.push(...unknownConfigKeys(shape[k], v, [...at, k]));
  }
  return out;
}

export interface LoadConfigOptions {
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Already-structured overrides, e.g. from CLI flags. */
  overrides?: Plain;
  /** Base dir for relative paths (default: cwd). */
  cwd?: string;
}

/** Build the effective config: defaults < file < env < overrides. Throws ConfigError with every problem listed. */
export function loadConfig(opts: LoadConfigOptions = {}): Config {
  const env = opts.env ?? {};
  const file = opts.file ?? env.AEGISFLOW_CONFIG;
  let merged: Plain = {};
  if (file) merged = deepMerge(merged, readConfigFile(file));
  merged = deepMerge(merged, configFromEnv(env));
  if (opts.overrides) merged = deepMerge(merged, opts.overrides);
  // A typo must not pass silently as "not set" (issue 19): unknown keys are an error, all named at once.
  const unknown = unknownConfigKeys(ConfigSchema, merged);
  if (unknown.length) throw new ConfigError(`unknown config key${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`);
  const parsed = ConfigSchema.safeParse(merged);
  if (!parsed.success) throw new ConfigError(`invalid configuration: ${formatZodIssues(parsed.error)}`);
  const cfg = parsed.data;
  const cwd = opts.cwd ?? process.cwd();
  cfg.dataDir = path.resolve(cwd, cfg.dataDir);
  cfg.resourcesDir = path.resolve(cwd, cfg.resourcesDir);
  return cfg;
}

/** A config for tests: temp data dir, port 0 everywhere, quiet logs. */
type DeepPartial<T> = T extends object ? (T extends readonly unknown[] ? T : { [K in keyof T]?: DeepPartial<T[K]> }) : T;
export function testConfig(dataDir: string, overrides: DeepPartial<ConfigInput> = {}): Config {
  return loadConfig({
    overrides: deepMerge(
      {
        dataDir,
        log: { level: 'silent' },
        broker: { port: 0, wsPort: null },
        http: { port: 0 },
        // A cheaper scrypt (2^12) keeps logins quick in tests; the format and the checks are the same.
        operators: { scryptLogN: 12 },
      },
      overrides,
    ),
  });
}

export function databasePath(cfg: Config): string {
  return cfg.store.file ? path.resolve(cfg.store.file) : path.join(cfg.dataDir, 'aegisflow.db');
}
