// Finding 6: an empty or missing policy file loaded as zero rules (at start and on hot reload), so
// emergency_shutdown went from BLOCK to REVIEW and became approvable. Now a policy without rules is
// refused; on hot reload the previous policy stays in force, and at a first start with no usable
// policy the gateway runs a built-in fail-safe policy (read-only tools ALLOW, everything else BLOCK)
// and says so loudly: in the logs, in policy.get (failSafe, status) and in the policy.loaded event.
// A real core on a temp data dir; the hot reload goes through the real file watcher.
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { testConfig, type Core } from '../../electron/core';
import { createLogger } from '../../electron/core/observability';
import { OPERATOR, perTestCores, whenEvent } from '../helpers';

const DEFAULT_POLICY = fs.readFileSync(path.resolve(__dirname, '../../resources/policies/default.yaml'), 'utf8');

const rigs = perTestCores();

/** Start a core on this policy file (absent when text is null), collecting its log lines. */
async function boot(policyText: string | null, watch = false) {
  const dir = rigs.dir('aegis-sec06-');
  const policyFile = path.join(dir, 'policies', 'plant.yaml');
  fs.mkdirSync(path.dirname(policyFile), { recursive: true });
  if (policyText !== null) fs.writeFileSync(policyFile, policyText);
  const lines: Array<{ level: number; msg: string }> = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n')) if (l.trim()) lines.push(JSON.parse(l) as { level: number; msg: string });
      done();
    },
  });
  const logger = createLogger({ level: 'info', stream });
  const core = rigs.core(
    testConfig(dir, {
      http: { enabled: false },
      simulator: { enabled: false },
      immune: { fleet: { enabled: false } },
      governance: { watchPolicy: watch, reloadDebounceMs: 20, policyFile },
    }),
    { logger },
  );
  await core.start();
  core.services.governance.addAgent({ id: 'diag', name: 'Diagnostics', role: 'assistant' });
  return { core, policyFile, lines };
}

const shutdown = { device_id: 'line-1/pump-03', command: 'emergency_shutdown', justification: 'it is hot' };
const reduce = { device_id: 'line-1/pump-03', command: 'reduce_load', parameters: { reduction_pct: 20 }, justification: 'it is hot' };

async function decisions(core: Core) {
  const g = core.services.governance;
  const ask = async (tool: string, args: Record<string, unknown>) => (await g.authorize({ agentId: 'diag', tool, args })).decision;
  return {
    shutdown: await ask('execute_device_command', shutdown),
    reduce: await ask('execute_device_command', reduce),
    ack: await ask('acknowledge_anomaly', { anomaly_id: 'an_1', note: 'seen' }),
    read: await ask('get_device_status', { device_id: 'line-1/pump-03' }),
    unknownTool: await ask('format_the_disk', {}),
  };
}

async function policyInfo(core: Core) {
  const r = await core.api.call('policy.get', {}, OPERATOR);
  if (!r.ok) throw new Error(r.error.message);
  return r.result as typeof r.result & { failSafe?: boolean; status?: string | null };
}

describe('finding 6: no usable policy fails closed, never "no rules"', () => {
  it.each([
    ['an empty file', ''],
    ['a file of comments only', '# the policy will be written tomorrow\n'],
    ['a file with an empty rule list', 'rules: []\n'],
    ['a missing file', null],
  ])('at a first start with %s: the fail-safe policy (reads ALLOW, everything else BLOCK), said loudly', async (_what, text) => {
    const { core, lines } = await boot(text);
    expect(await decisions(core)).toEqual({ shutdown: 'BLOCK', reduce: 'BLOCK', ack: 'BLOCK', read: 'ALLOW', unknownTool: 'BLOCK' });
    const info = await policyInfo(core);
    expect(info.failSafe).toBe(true);
    expect(info.status).toMatch(/fail-safe/i);
    expect(info.rules).toBeGreaterThan(0);
    // Loud: an error-level log line that names the fail-safe policy.
    expect(lines.some((l) => l.level >= 50 && /fail-safe/i.test(l.msg))).toBe(true);
    const refused = await core.api.call('audit.query', { kind: 'POLICY_REFUSED', limit: 10 }, OPERATOR);
    expect(refused.ok && refused.result.length).toBeGreaterThan(0);
  });

  it('on hot reload an emptied, rule-less or deleted policy is refused and the previous one stays in force', async () => {
    const { core, policyFile } = await boot(DEFAULT_POLICY, true);
    const before = await policyInfo(core);
    expect(before.failSafe ?? false).toBe(false);
    expect(await decisions(core)).toMatchObject({ shutdown: 'BLOCK', reduce: 'REVIEW', read: 'ALLOW' });

    const events: Array<Record<string, unknown>> = [];
    core.bus.on('policy.loaded', (e) => events.push(e as Record<string, unknown>));
    for (const text of ['', 'rules: []\n']) {
      const n = events.length;
      fs.writeFileSync(policyFile, text);
      await whenEvent(core.bus, 'policy.loaded', () => events.length > n);
      expect(events.at(-1)).toMatchObject({ ok: false });
      expect((await policyInfo(core)).version).toBe(before.version);
      expect(await decisions(core)).toMatchObject({ shutdown: 'BLOCK', reduce: 'REVIEW', read: 'ALLOW' });
    }
    // Deleted (or unreadable): a load refuses it; the previous policy stays.
    fs.rmSync(policyFile);
    expect(core.services.governance.policy.load().ok).toBe(false);
    expect((await policyInfo(core)).version).toBe(before.version);
    expect(await decisions(core)).toMatchObject({ shutdown: 'BLOCK', reduce: 'REVIEW', read: 'ALLOW' });
  });

  it('the policy.loaded event carries the fail-safe status, and a valid policy lifts it', async () => {
    const { core, policyFile } = await boot('', true);
    const events: Array<Record<string, unknown>> = [];
    core.bus.on('policy.loaded', (e) => events.push(e as Record<string, unknown>));
    // Still no rules: refused again, and the event says the fail-safe policy is what runs.
    fs.writeFileSync(policyFile, '# nothing yet\n');
    await whenEvent(core.bus, 'policy.loaded', () => events.length > 0);
    expect(events.at(-1)).toMatchObject({ ok: false, failSafe: true, status: expect.stringMatching(/fail-safe/i) });

    fs.writeFileSync(policyFile, DEFAULT_POLICY);
    await whenEvent(core.bus, 'policy.loaded', () => events.some((e) => e.ok === true));
    expect(events.at(-1)).toMatchObject({ ok: true, failSafe: false });
    expect(await policyInfo(core)).toMatchObject({ failSafe: false, status: null });
    expect(await decisions(core)).toMatchObject({ shutdown: 'BLOCK', reduce: 'REVIEW', read: 'ALLOW' });
  });
});
