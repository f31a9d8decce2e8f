import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { createCore, type Core } from '../../core';
import type { Caller } from '../../../shared/operators';
import { demoConfigOverrides, runDemo } from '../../core/agent';
import { COMMON_HELP, COMMON_OPTIONS, buildConfig, fail, num, parseCommand } from '../common';
import type { CliCommand } from '../types';

const HELP = `Usage: aegisflow demo [options]

Run the seed's demo end to end, headless, on a fresh core in a temporary data dir (ports chosen by
the OS), and print a transcript: thermal runaway on line-1/compressor-01 is detected → the built-in
operator agent diagnoses it over MCP (sensor data + manual) → emergency_shutdown is BLOCKED by
policy → reduce_load 30 % goes to REVIEW → the demo approves as the operator → executed with an
intent token → temperature falls → incident report → a second run recalls the incident → a second
agent with a narrower scope gets a different outcome for the same call → the kill switch stops a
run mid-way → revive → every audit row and the traces. Exit code 0 only if every check passes.

Options:
      --speed X            replay speed while the agent works (default 100)
      --warmup-speed X     replay speed while the detector learns before the scenario (default 600)
      --otlp URL           also export the traces to this OTLP/HTTP collector (e.g. http://127.0.0.1:4318)
      --keep               keep the temporary data dir (database with traces and audit) and print its path
${COMMON_HELP}

Examples:
  npm run demo
  aegisflow demo --speed 60 --keep`;

export const demoCommand: CliCommand = {
  name: 'demo',
  summary: "run the seed's demo end to end headless (agent, policy block, approval, recall, kill switch)",
  help: HELP,
  async run(argv) {
    const parsed = parseCommand(
      argv,
      {
        ...COMMON_OPTIONS,
        speed: { type: 'string' },
        'warmup-speed': { type: 'string' },
        otlp: { type: 'string' },
        keep: { type: 'boolean' },
      },
      HELP,
    );
    if (typeof parsed === 'number') return parsed;
    const { values } = parsed;
    const own = values['data-dir'] === undefined;
    const dataDir = own ? fs.mkdtempSync(path.join(os.tmpdir(), 'aegisflow-demo-')) : path.resolve(String(values['data-dir']));
    let config;
    let speed: number | undefined;
    let warmup: number | undefined;
    try {
      speed = num('speed', values.speed);
      warmup = num('warmup-speed', values['warmup-speed']);
      config = buildConfig(
        { ...values, 'data-dir': dataDir },
        { ...demoConfigOverrides({ warmupSpeed: warmup, otlp: values.otlp }), log: { level: values['log-level'] ?? 'warn', destination: 'stderr' } },
      );
    } catch (err) {
      return fail(err);
    }
    const t0 = Date.now();
    const out = (line: string) => process.stdout.write(`${line}\n`);
    out(`AegisFlow demo — data dir ${dataDir}${own && !values.keep ? ' (temporary)' : ''}`);
    const core = createCore(config);
    let ok = false;
    try {
      await core.start();
      out(`core started: MCP at ${core.services.http?.url}${config.mcp.path}, planner ${config.agent.planner}`);
      // The demo acts as an operator who logged in like a person: an account in the demo's data dir.
      const operator = await demoOperator(core);
      out(`operator ${operator.operator?.name} logged in`);
      const status = await runDemo(
        {
          api: core.api,
          bus: core.bus,
          clock: core.clock,
          log: core.log,
          plant: core.services.plant,
          governance: core.services.governance,
          live: core.services.live,
          agent: core.services.agent,
          tracer: core.services.tracer,
        },
        { approve: 'auto', operator, speed: speed ?? 100, warmupSpeed: warmup ?? 600, print: out },
      );
      ok = status.ok === true;
    } catch (err) {
      out(`✘ demo could not run: ${(err as Error).message}`);
    } finally {
      await core.stop().catch(() => {});
      if (own && !values.keep) fs.rmSync(dataDir, { recursive: true, force: true });
      else out(`data kept in ${dataDir}`);
    }
    out(`finished in ${((Date.now() - t0) / 1000).toFixed(1)} s — exit ${ok ? 0 : 1}`);
    return ok ? 0 : 1;
  },
};

/** Log in as the demo's operator (created on first use in the demo's data dir, with a random password). */
async function demoOperator(core: Core): Promise<Caller> {
  const ops = core.services.operators;
  const name = 'Demo Operator';
  const password = crypto.randomBytes(18).toString('base64url');
  if (ops.registry.get(name)) await ops.registry.setPassword(name, password);
  else await ops.registry.add({ name, password, roles: ['supervisor'] });
  const r = await ops.login(name, password);
  if (!r.ok) throw new Error(`the demo operator could not log in: ${r.message}`);
  const caller = ops.callerFor(r.session.key, 'internal');
  if (!caller) throw new Error('the demo operator session ended at once');
  return caller;
}
