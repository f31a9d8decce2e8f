// A real node-opcua server exposing a plant model's tags, for the OPC UA connector's tests and the
// bench: one object per asset (ns=1;s=<device>) with an AnalogItem per tag (ns=1;s=<device>/<tag>,
// its engineering range as EURange), values from a small generator (each tag inside its normal band,
// a slow sine, one new value per sampling period, source timestamps), and a Command(String) → String
// method per asset that verifies the intent token with the dependency-free edge verifier before it
// would act, answering the acknowledgement JSON (electron/edge/verifier.ts CommandAck).
import type { KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DataType,
  makeEUInformation,
  MessageSecurityMode,
  NodeClass,
  OPCUACertificateManager,
  OPCUAServer,
  SecurityPolicy,
  StatusCodes,
  VariableIds,
  Variant,
  type ServerCapabilitiesOptions,
  type StatusCode,
  type UAVariable,
} from 'node-opcua';
import { indexModel, parseModel, type ModelIndex } from '../electron/core/model';
import type { PlantModelView } from '../shared/schemas/model';
import { commandAck, createCommandVerifier, type CommandAck, type CommandVerifier } from '../electron/edge/verifier';

export const WATER = path.join(path.dirname(fileURLToPath(import.meta.url)), '../resources/plants/water-treatment.yaml');

/** The water-treatment model with its tags read from an OPC UA server instead of MQTT JSON (connector: its YAML entry). */
export function waterOverOpcUa(connector: string): string {
  const text = fs.readFileSync(WATER, 'utf8');
  const out = text.replace(/^connectors:\n(?: +.*\n)+/m, `connectors:\n${connector}\n`);
  if (out === text) throw new Error('no connectors block in the water model');
  return out;
}

/**
 * A plant of `assets` assets of the demo's three types (5 tags each, every tag sampled each second), 20 to a
 * line, read through the connector (its YAML entry): the bench's plant, and a large one for the tests.
 */
export function demoPlantOverOpcUa(assets: number, connector: string): string {
  const types = ['compressor', 'motor', 'pump'] as const;
  const demo = fs.readFileSync(path.join(path.dirname(WATER), 'demo.yaml'), 'utf8');
  const head = demo
    .slice(0, demo.indexOf('\nareas:'))
    .replace(/^\s*manual:.*$/gm, '')
    .replace(/sampling_s: \d+/g, 'sampling_s: 1')
    .replace(/^connectors:\n(?: +.*\n)+/m, `connectors:\n${connector}\n`);
  const lines: string[] = ['', 'areas:', '  - id: bench', '    name: Bench area', '    lines:'];
  for (let a = 0; a < assets; a++) {
    if (a % 20 === 0) lines.push(`      - id: line-${String(a / 20 + 1).padStart(3, '0')}`, '        assets:');
    lines.push(`          - { id: ${types[a % 3]}-${String((a % 20) + 1).padStart(2, '0')}, type: ${types[a % 3]} }`);
  }
  return head + lines.join('\n') + '\n';
}

export function modelOf(text: string): ModelIndex {
  const r = parseModel(text, 'plant.yaml');
  if (!r.ok) throw new Error(r.problems.map((p) => `${p.line}:${p.col} ${p.path}: ${p.message}`).join('\n'));
  return indexModel(r.model, r.connectors);
}

export interface PlantServerOptions {
  model: PlantModelView;
  port: number;
  /** The server's PKI (its certificate survives a restart on the same folder). */
  pkiDir: string;
  /**
   * The gateway's public key the command method verifies tokens with; without it every command is refused.
   * A function is asked at each command until it gives one (a key file AegisFlow creates on its first start).
   */
  gatewayPublicKey?: KeyObject | string | (() => KeyObject | string | undefined);
  /** User name → password; without it anonymous sessions only. */
  users?: Record<string, string>;
  /** Generator period (ms); 0: values only when the test sets them. */
  tickMs?: number;
  /** Spread the tags' periods over ten slices (tag i's turns (i mod 10) tenths into it), as a plant's sensors are not in step. */
  stagger?: boolean;
  /** After each generator tick: when, how many values it set, and how late the tick fired (ms). */
  onTick?: (at: number, changes: number, lateMs: number) => void;
  /** Restrict the security modes offered (default None, Sign and SignAndEncrypt). */
  securityModes?: Array<'None' | 'Sign' | 'SignAndEncrypt'>;
  /** Limits the server enforces (subscriptions per session, monitored items…); node-opcua's defaults otherwise. */
  capabilities?: ServerCapabilitiesOptions;
  /** Enforce the limits without publishing them (their ServerCapabilities nodes read 0), as some servers do. */
  hideLimits?: boolean;
}

export interface PlantServer {
  readonly url: string;
  /** Every command the server answered, in order. */
  readonly acks: CommandAck[];
  /** Values the generator has set since the start (the initial ones not counted). */
  generated(): number;
  /** Set a tag's value (and status); the generator leaves it alone from then on. */
  setValue(tag: string, value: number, status?: StatusCode, at?: Date): void;
  /** Mark a tag's node with a status (no value); the generator leaves it alone from then on. */
  setStatus(tag: string, status: StatusCode): void;
  stop(): Promise<void>;
}

/**
 * The generator's value of a tag at time t: inside its normal band, a slow sine per tag. Not rounded: OPC UA
 * reports changes only, and a rounded slow sine would often not change from one second to the next.
 */
export function generatedValue(normal: readonly [number, number], i: number, t: number): number {
  const [lo, hi] = normal;
  return lo + (hi - lo) * (0.5 + 0.4 * Math.sin(t / 60_000 + i));
}

/** One tag as the generator drives it. */
export interface GeneratedTag {
  normal: readonly [number, number];
  /** Sampling period (ms): one new value per period. */
  period: number;
  /** Where in the period its value turns (ms, 0 by default). */
  phase?: number;
  i: number;
  /** Set by the test: the generator leaves it alone. */
  held: boolean;
}

/**
 * One tick of the generator at `now`, the previous at `prev`: every tag whose period turned in between gets
 * its next value, once. Compared with the previous tick, not with now − tickMs: a timer that fires late
 * (setInterval drifts under load) then skipped a period (~1 s in 60 unchanged, so the bench's server offered
 * 9,8xx of its 10,000 values/s).
 */
export function generatorTick(tags: Iterable<[string, GeneratedTag]>, prev: number, now: number, set: (tag: string, value: number, at: Date) => void): void {
  const at = new Date(now);
  for (const [tag, v] of tags) {
    const phase = v.phase ?? 0;
    if (!v.held && Math.floor((now - phase) / v.period) !== Math.floor((prev - phase) / v.period)) set(tag, generatedValue(v.normal, v.i, now), at);
  }
}

export async function startPlantServer(opts: PlantServerOptions): Promise<PlantServer> {
  const cm = new OPCUACertificateManager({ rootFolder: opts.pkiDir, automaticallyAcceptUnknownCertificate: true });
  await cm.initialize();
  const modes = opts.securityModes ?? ['None', 'Sign', 'SignAndEncrypt'];
  const users = opts.users;
  const server = new OPCUAServer({
    port: opts.port,
    serverCertificateManager: cm,
    securityModes: modes.map((m) => MessageSecurityMode[m]),
    securityPolicies: [SecurityPolicy.None, SecurityPolicy.Basic256Sha256],
    allowAnonymous: !users,
    userManager: users ? { isValidUser: (name: string, password: string) => users[name] === password } : undefined,
    buildInfo: { productName: 'AegisFlow test plant' },
    maxConnectionsPerEndpoint: 50,
    serverCapabilities: opts.capabilities,
  });
  await server.initialize();
  const space = server.engine.addressSpace;
  if (!space) throw new Error('no address space');
  if (opts.hideLimits)
    for (const id of [
      VariableIds.Server_ServerCapabilities_MaxSubscriptionsPerSession,
      VariableIds.Server_ServerCapabilities_MaxMonitoredItemsPerSubscription,
      VariableIds.Server_ServerCapabilities_MaxMonitoredItems,
      VariableIds.Server_ServerCapabilities_OperationLimits_MaxMonitoredItemsPerCall,
    ]) {
      const node = space.findNode(`i=${id}`);
      if (node?.nodeClass !== NodeClass.Variable) throw new Error(`no capability node i=${id}`);
      (node as UAVariable).bindVariable({ get: () => new Variant({ dataType: DataType.UInt32, value: 0 }) }, true);
    }
  const ns = space.getOwnNamespace();
  const startedAt = Date.now();
  let verifier: CommandVerifier | null = null;
  const verifierNow = () => {
    const key = typeof opts.gatewayPublicKey === 'function' ? opts.gatewayPublicKey() : opts.gatewayPublicKey;
    // notBefore: tokens issued since the server started, also when the key came later.
    if (!verifier && key) verifier = createCommandVerifier({ publicKey: key, notBefore: startedAt });
    return verifier;
  };
  const acks: CommandAck[] = [];
  const vars = new Map<string, GeneratedTag & { node: UAVariable }>();
  const root = ns.addFolder(space.rootFolder.objects, { browseName: opts.model.site.id, nodeId: `s=${opts.model.site.id}` });
  const lines = new Map<string, ReturnType<typeof ns.addFolder>>();
  let i = 0;
  for (const a of opts.model.assets) {
    const lineKey = `${a.area}/${a.line}`;
    let line = lines.get(lineKey);
    if (!line) lines.set(lineKey, (line = ns.addFolder(root, { browseName: a.line, nodeId: `s=${opts.model.site.id}/${lineKey}` })));
    const obj = ns.addObject({ organizedBy: line, browseName: a.asset, displayName: a.name, nodeId: `s=${a.id}` });
    for (const t of a.tags) {
      const node = ns.addAnalogDataItem({
        componentOf: obj,
        browseName: t.key,
        displayName: t.name,
        nodeId: `s=${t.id}`,
        dataType: 'Double',
        engineeringUnitsRange: { low: t.range[0], high: t.range[1] },
        ...(t.unit ? { engineeringUnits: makeEUInformation(t.unit, t.unit, t.unit) } : {}),
        minimumSamplingInterval: 50,
      });
      const period = t.sampling_s * 1000;
      vars.set(t.id, { node, normal: t.normal, period, phase: opts.stagger ? ((i % 10) * period) / 10 : 0, i: i++, held: false });
    }
    const method = ns.addMethod(obj, {
      browseName: 'Command',
      nodeId: `s=${a.id}/Command`,
      inputArguments: [{ name: 'message', description: { text: 'the command message JSON with its intent token' }, dataType: DataType.String }],
      outputArguments: [{ name: 'ack', description: { text: 'the acknowledgement JSON' }, dataType: DataType.String }],
    });
    // node-opcua tells the async form from the callback form by its arity: two parameters.
    method.bindMethod(async (inputArguments: Variant[], _context: unknown) => {
      let message: unknown;
      try {
        message = JSON.parse(String(inputArguments[0]?.value ?? ''));
      } catch {
        message = null;
      }
      const at = new Date().toISOString();
      const v = verifierNow();
      const ack = v
        ? commandAck(a.id, v.verify(a.id, message), at)
        : { device_id: a.id, jti: null, status: 'refused' as const, code: 'bad_token' as const, reason: 'no gateway key', at };
      acks.push(ack);
      return { statusCode: StatusCodes.Good, outputArguments: [new Variant({ dataType: DataType.String, value: JSON.stringify(ack) })] };
    });
  }

  const set = (tag: string, value: number, status: StatusCode = StatusCodes.Good, at = new Date()) => {
    const v = vars.get(tag);
    if (!v) throw new Error(`no tag ${tag}`);
    v.node.setValueFromSource(new Variant({ dataType: DataType.Double, value }), status, at);
  };
  let generated = 0;
  const generate = (tag: string, value: number, at: Date) => {
    generated++;
    set(tag, value, StatusCodes.Good, at);
  };
  const tickMs = opts.tickMs ?? 1000;
  const start = Date.now();
  let prev = start;
  let timer: NodeJS.Timeout | null = null;
  let planned = 0;
  // Each tick planned for the next multiple of tickMs on the clock (setInterval drifts later and later under load).
  const next = () => {
    const now = Date.now();
    planned = now + tickMs - (now % tickMs);
    timer = setTimeout(tick, planned - now);
  };
  const tick = () => {
    const now = Date.now();
    const before = generated;
    generatorTick(vars, prev, now, generate);
    prev = now;
    opts.onTick?.(now, generated - before, now - planned);
    next();
  };
  for (const [tag, v] of vars) set(tag, generatedValue(v.normal, v.i, start));
  if (tickMs > 0) next();
  await server.start();
  return {
    url: `opc.tcp://127.0.0.1:${opts.port}`,
    acks,
    generated: () => generated,
    setValue(tag, value, status, at) {
      const v = vars.get(tag);
      if (v) v.held = true;
      set(tag, value, status, at);
    },
    setStatus(tag, status) {
      const v = vars.get(tag);
      if (!v) throw new Error(`no tag ${tag}`);
      v.held = true;
      v.node.setValueFromSource(new Variant({ dataType: DataType.Double, value: 0 }), status, new Date());
    },
    async stop() {
      if (timer) clearTimeout(timer);
      timer = null;
      await server.shutdown(0);
      await cm.dispose();
    },
  };
}
