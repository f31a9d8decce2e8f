// One zod schema for all configuration. Precedence: defaults < config file < environment < CLI flags.
// Every knob has a default that works offline; outside links (external broker, OTLP, LLM) are off.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { ImmuneConfigSchema } from './immune/config';
import { AlarmConfigSchema } from './alarms/schema';
import { DetectConfigSchema } from './detect/schema';
import { McpConfigSchema } from './mcp/config';
import { ObservabilityConfigSchema } from './observability/config';
import { MaskingConfigSchema } from './observability/mask';
import { AgentConfigSchema } from './agent/config';
import { OperatorsConfigSchema } from './operators';
import { GovernanceConfigSchema } from './governance';

const port = z.number().int().min(0).max(65535);
const host = z.string().min(1);

export const ConfigSchema = z.object({
  /** Runtime data dir: dataset, database, keys. */
  dataDir: z.string().default('data'),
  /** Folder with device_manual.md, policies/, icons. */
  resourcesDir: z.string().default('resources'),
  log: z
    .object({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      /** 'stderr' keeps stdout clean (stdio MCP mode). */
      destination: z.enum(['stdout', 'stderr']).default('stdout'),
    })
    .prefault({}),
  broker: z
    .object({
      /** Use an external broker (mqtt://host:1883) instead of the embedded aedes. Off by default. */
      url: z.string().optional(),
      host: host.default('127.0.0.1'),
      port: port.default(1883),
      /** WebSocket listener of the embedded broker; null disables it. */
      wsPort: port.nullable().default(9001),
      username: z.string().optional(),
      password: z.string().optional(),
      /** Payloads above this many bytes are rejected by the broker and by ingest. */
      maxPayloadBytes: z
        .number()
        .int()
        .positive()
        .default(16 * 1024),
    })
    .prefault({}),
  simulator: z
    .object({
      enabled: z.boolean().default(true),
      /** CSV to replay; default <dataDir>/sensor_data.csv (generated on first start if absent). */
      dataset: z.string().optional(),
      seed: z.number().int().default(42),
      /** Replay speed: 1 = real time, 100 = the seed's default, 0 = as fast as possible. */
      speed: z.number().min(0).max(1_000_000).default(100),
      /**
       * 'shift': the first replayed reading carries the wall-clock time and later ones advance in
       * simulated time (continuous across seeks and loops); 'keep': the dataset's own timestamps.
       */
      timestamps: z.enum(['shift', 'keep']).default('shift'),
      autostart: z.boolean().default(true),
      loop: z.boolean().default(true),
      /** Column mapping for replaying other plants' CSVs: reading field -> CSV column. */
      columns: z
        .object({
          timestamp: z.string().default('timestamp'),
          device_id: z.string().default('device_id'),
          temperature: z.string().default('temperature'),
          pressure: z.string().default('pressure'),
          vibration: z.string().default('vibration'),
          humidity: z.string().default('humidity'),
          power: z.string().default('power'),
        })
        .prefault({}),
    })
    .prefault({}),
  ingest: z
    .object({
      /**
       * Commit a batch after this many readings or this many ms, whichever comes first. The bound on
       * what a crash of AegisFlow can lose on the embedded broker (docs/SECURITY.md, "Faults").
       */
      batchSize: z.number().int().positive().default(2000),
      flushMs: z.number().int().positive().max(250).default(100),
      /** Readings older than this (relative to the plant clock) are refused as bad_timestamp. */
      maxClockSkewDays: z.number().positive().default(7),
      /** Readings further ahead of the plant clock than this (seconds) are refused as bad_timestamp. */
      maxFutureS: z.number().int().min(0).default(300),
      /** Live ring buffer length per device (readings). */
      ringSize: z.number().int().positive().default(720),
    })
    .prefault({}),
  store: z
    .object({
      /** Database file; default <dataDir>/aegisflow.db. */
      file: z.string().optional(),
      /** Readings older than this are deleted (0 keeps everything). */
      retentionDays: z.number().min(0).default(30),
      /** Run WAL checkpoints on a worker thread (every this many ms) instead of inside a main-thread commit; 0 leaves them to SQLite. */
      checkpointWorkerMs: z.number().int().min(0).default(250),
    })
    .prefault({}),
  http: z
    .object({
      enabled: z.boolean().default(true),
      host: host.default('127.0.0.1'),
      port: port.default(8787),
      /**
       * Host names (beyond localhost, 127.0.0.1 and [::1]) that clients may use to reach this server,
       * e.g. a wall display's name for the workstation. Every request and upgrade is checked against
       * this exact list (DNS rebinding); "name" allows the server's port, "name:port" exactly that.
       */
      allowedHosts: z.array(z.string().min(1).max(253)).default([]),
      /** Built renderer to serve (default <repo>/out/renderer). */
      staticDir: z.string().optional(),
      /** Largest accepted request body. */
      maxBodyBytes: z
        .number()
        .int()
        .positive()
        .default(1024 * 1024),
      /**
       * Every request is answered within this: a client that sends its headers or body too slowly (or
       * stops halfway) gets 408 and its connection is closed, instead of holding a socket for Node's 5 minutes.
       */
      requestTimeoutMs: z.number().int().min(1000).max(600_000).default(30_000),
    })
    .strict()
    .prefault({}),
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

export function datasetPath(cfg: Config): string {
  return cfg.simulator.dataset ? path.resolve(cfg.simulator.dataset) : path.join(cfg.dataDir, 'sensor_data.csv');
}
export function databasePath(cfg: Config): string {
  return cfg.store.file ? path.resolve(cfg.store.file) : path.join(cfg.dataDir, 'aegisflow.db');
}
