import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SEED_READ_TOOLS } from '../../../shared/mcp';
import { createLogger } from '../observability';
import { compilePolicy, evaluate, PolicySchema, type PolicyInput } from './policy';
import { parsePolicy, PolicyStore } from './policy-file';

const DEFAULT_YAML = fs.readFileSync(path.resolve(__dirname, '../../../resources/policies/default.yaml'), 'utf8');
const silent = createLogger({ level: 'silent' });
const op = { id: 'operator-agent', role: 'operator' };

function policyOf(input: PolicyInput) {
  return compilePolicy(PolicySchema.parse(input));
}

function defaults() {
  const r = parsePolicy(DEFAULT_YAML);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.policy;
}

describe('default policy (seed 000)', () => {
  const p = defaults();
  it('blocks emergency_shutdown and restart and points the agent at reduce_load', () => {
    for (const command of ['emergency_shutdown', 'restart']) {
      const e = evaluate(p, { agent: op, tool: 'execute_device_command', args: { device_id: 'line-1/compressor-01', command } });
      expect(e.decision).toBe('BLOCK');
      expect(e.ruleId).toBe('block-shutdown-restart');
      expect(e.reason).toContain('reduce_load');
    }
  });
  it('sends other device commands and acknowledge_anomaly to review with the 120 s default timeout', () => {
    const e = evaluate(p, {
      agent: op,
      tool: 'execute_device_command',
      args: { device_id: 'line-1/compressor-01', command: 'reduce_load', params: { reduction_pct: 50 } },
    });
    expect(e).toMatchObject({ decision: 'REVIEW', ruleId: 'review-device-commands', timeoutS: 120 });
    expect(evaluate(p, { agent: op, tool: 'acknowledge_anomaly', args: { anomaly_id: 3 } }).decision).toBe('REVIEW');
  });
  it('allows the read-only tools and incident reports', () => {
    for (const tool of [...SEED_READ_TOOLS, 'log_incident_report'])
      expect([tool, evaluate(p, { agent: op, tool, args: {} }).decision]).toEqual([tool, 'ALLOW']);
  });
  it('sends a tool no rule covers to review', () => {
    const e = evaluate(p, { agent: op, tool: 'delete_everything', args: {} });
    expect(e).toMatchObject({ decision: 'REVIEW', ruleId: 'default' });
  });
  it('records the policy version, which ignores comments but follows content', () => {
    const again = parsePolicy(`# a comment\n${DEFAULT_YAML}`);
    const changed = parsePolicy(DEFAULT_YAML.replace('review_timeout_s: 120', 'review_timeout_s: 90'));
    expect(again.ok && again.policy.version).toBe(p.version);
    expect(changed.ok && changed.policy.version).not.toBe(p.version);
    expect(evaluate(p, { agent: op, tool: 'get_sensor_stream', args: {} }).policyVersion).toBe(p.version);
  });
});

describe('resolution', () => {
  it('BLOCK beats REVIEW beats ALLOW, whatever the file order', () => {
    const p = policyOf({
      rules: [
        { id: 'a', tool: 't', decision: 'ALLOW' },
        { id: 'r', tool: 't', decision: 'REVIEW' },
        { id: 'b', tool: 't', decision: 'BLOCK', when: { arg: 'x', eq: 1 } },
      ],
    });
    expect(evaluate(p, { agent: op, tool: 't', args: {} })).toMatchObject({ decision: 'REVIEW', ruleId: 'r' });
    expect(evaluate(p, { agent: op, tool: 't', args: { x: 1 } })).toMatchObject({ decision: 'BLOCK', ruleId: 'b' });
  });
  it('a higher-priority ALLOW lifts a REVIEW but never a BLOCK', () => {
    const p = policyOf({
      rules: [
        { id: 'review-all', tool: 't', decision: 'REVIEW' },
        { id: 'block-big', tool: 't', decision: 'BLOCK', when: { arg: 'n', gt: 10 } },
        { id: 'allow-me', tool: 't', agent: 'me', decision: 'ALLOW', priority: 100 },
      ],
    });
    expect(evaluate(p, { agent: { id: 'me', role: 'x' }, tool: 't', args: { n: 5 } }).decision).toBe('ALLOW');
    expect(evaluate(p, { agent: { id: 'you', role: 'x' }, tool: 't', args: { n: 5 } }).decision).toBe('REVIEW');
    expect(evaluate(p, { agent: { id: 'me', role: 'x' }, tool: 't', args: { n: 11 } }).decision).toBe('BLOCK');
  });
  it('gives the same tool different outcomes for different agents (seed 002)', () => {
    const p = policyOf({
      rules: [
        { id: 'fraud-reads-ssn', tool: 'get_customer_ssn', agent: 'fraud_detection', decision: 'ALLOW' },
        { id: 'support-no-ssn', tool: 'get_customer_ssn', role: 'support*', decision: 'BLOCK', reason: 'support agents never see SSNs' },
      ],
    });
    expect(evaluate(p, { agent: { id: 'fraud_detection', role: 'analyst' }, tool: 'get_customer_ssn', args: {} }).decision).toBe('ALLOW');
    expect(evaluate(p, { agent: { id: 'helpdesk', role: 'support-l1' }, tool: 'get_customer_ssn', args: {} })).toMatchObject({
      decision: 'BLOCK',
      reason: 'support agents never see SSNs',
    });
    expect(evaluate(p, { agent: { id: 'marketing', role: 'sales' }, tool: 'get_customer_ssn', args: {} }).decision).toBe('REVIEW');
  });
  it('matches tool and agent globs and tool groups', () => {
    const p = policyOf({
      tool_groups: { reads: ['get_*'] },
      rules: [{ id: 'g', tool: '@reads', agent: ['line2-*'], decision: 'ALLOW' }],
    });
    expect(evaluate(p, { agent: { id: 'line2-bot', role: 'r' }, tool: 'get_device_status', args: {} }).decision).toBe('ALLOW');
    expect(evaluate(p, { agent: { id: 'line3-bot', role: 'r' }, tool: 'get_device_status', args: {} }).decision).toBe('REVIEW');
    expect(evaluate(p, { agent: { id: 'line2-bot', role: 'r' }, tool: 'set_device_status', args: {} }).decision).toBe('REVIEW');
  });
  it('evaluates every argument predicate and all/any/not', () => {
    const cases: Array<[object, Record<string, unknown>, boolean]> = [
      [{ arg: 'a', eq: 'x' }, { a: 'x' }, true],
      [{ arg: 'a', eq: 'x' }, { a: 'y' }, false],
      [{ arg: 'a', ne: 'x' }, { a: 'y' }, true],
      [{ arg: 'a', in: [1, 2] }, { a: 2 }, true],
      [{ arg: 'a', in: [1, 2] }, { a: '2' }, false],
      [{ arg: 'a', not_in: [1, 2] }, { a: 3 }, true],
      [{ arg: 'p.n', lt: 5 }, { p: { n: 4 } }, true],
      [{ arg: 'p.n', lt: 5 }, { p: { n: 5 } }, false],
      [{ arg: 'p.n', lte: 5 }, { p: { n: 5 } }, true],
      [{ arg: 'p.n', gt: 5 }, { p: { n: 5 } }, false],
      [{ arg: 'p.n', gte: 5 }, { p: { n: 5 } }, true],
      [{ arg: 'p.n', gte: 5 }, { p: { n: '9' } }, false],
      [{ arg: 'id', matches: '^line-2/' }, { id: 'line-2/pump-03' }, true],
      [{ arg: 'id', matches: '^line-2/' }, { id: 'line-1/pump-03' }, false],
      [{ arg: 'x', exists: true }, { x: 0 }, true],
      [{ arg: 'x', exists: false }, { x: 0 }, false],
      [{ arg: 'x', exists: false }, {}, true],
      [
        {
          all: [
            { arg: 'a', eq: 1 },
            { arg: 'b', eq: 2 },
          ],
        },
        { a: 1, b: 3 },
        false,
      ],
      [
        {
          any: [
            { arg: 'a', eq: 1 },
            { arg: 'b', eq: 2 },
          ],
        },
        { a: 0, b: 2 },
        true,
      ],
      [{ not: { arg: 'a', eq: 1 } }, { a: 1 }, false],
    ];
    for (const [when, args, matches] of cases) {
      const p = policyOf({ rules: [{ id: 'w', tool: 't', when: when, decision: 'ALLOW' }] });
      expect([when, args, evaluate(p, { agent: op, tool: 't', args }).decision]).toEqual([when, args, matches ? 'ALLOW' : 'REVIEW']);
    }
  });
  it('fails closed (BLOCK) when evaluation throws', () => {
    const p = policyOf({ rules: [{ id: 'w', tool: 't', when: { arg: 'a', eq: 1 }, decision: 'ALLOW' }] });
    const hostile = {
      get a(): unknown {
        throw new Error('boom');
      },
    };
    const e = evaluate(p, { agent: op, tool: 't', args: hostile });
    expect(e).toMatchObject({ decision: 'BLOCK', ruleId: 'internal-error' });
  });
});

describe('policy file', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('reports a YAML syntax error with its line', () => {
    const r = parsePolicy('rules:\n  - id: a\n    tool: [x\n');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0].line).toBeGreaterThanOrEqual(3);
  });

  it('reports schema errors at the line of the bad value, with the path', () => {
    const text = [
      'rules:',
      '  - id: a',
      '    tool: t',
      '    decision: ALLOW',
      '  - id: b',
      '    tool: t',
      '    decision: MAYBE',
      '  - id: a',
      '    tool: t',
      '    decision: BLOCK',
      '    when: { arg: x, matches: "(" }',
    ].join('\n');
    const r = parsePolicy(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const byPath = Object.fromEntries(r.problems.map((p) => [p.path, p.line]));
    expect(byPath['rules.1.decision']).toBe(7);
    expect(r.problems.some((p) => p.line === 11 && p.path.startsWith('rules.2.when'))).toBe(true);
    // Cross-rule checks (duplicate ids) run once every rule is well-formed.
    const dup = parsePolicy(text.replace('decision: MAYBE', 'decision: REVIEW').replace(', matches: "("', ', eq: 1'));
    expect(dup.ok).toBe(false);
    if (!dup.ok) expect(dup.problems.map((p) => [p.path, p.line])).toEqual([['rules.2.id', 8]]);
  });

  it('keeps the previous policy when a reload is refused, and takes the fixed file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gov-policy-'));
    dirs.push(dir);
    const file = path.join(dir, 'p.yaml');
    fs.writeFileSync(file, DEFAULT_YAML);
    const events: unknown[] = [];
    const store = new PolicyStore({ file, watch: false, debounceMs: 10, log: silent, onLoad: (e) => events.push(e) });
    expect(store.load().ok).toBe(true);
    const good = store.current.version;
    fs.writeFileSync(file, DEFAULT_YAML.replace('decision: BLOCK', 'decision: BLOK'));
    const bad = store.load();
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.keptVersion).toBe(good);
      expect(bad.problems[0].message).toMatch(/ALLOW|BLOCK|REVIEW/);
      expect(bad.problems[0].line).toBe(DEFAULT_YAML.split('\n').findIndex((l) => l.includes('decision: BLOCK')) + 1);
    }
    expect(store.current.version).toBe(good);
    expect(evaluate(store.current, { agent: op, tool: 'execute_device_command', args: { command: 'restart' } }).decision).toBe('BLOCK');
  });

  it('hot-reloads the file when it changes on disk', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gov-policy-'));
    dirs.push(dir);
    const file = path.join(dir, 'p.yaml');
    fs.writeFileSync(file, 'rules:\n  - { id: r, tool: t, decision: REVIEW }\n');
    const store = new PolicyStore({ file, watch: true, debounceMs: 20, log: silent });
    store.load();
    const loaded = new Promise<void>((resolve) => {
      (store as unknown as { opts: { onLoad: () => void } }).opts.onLoad = () => resolve();
    });
    store.start();
    try {
      fs.writeFileSync(file, 'rules:\n  - { id: r, tool: t, decision: BLOCK }\n');
      await loaded;
      expect(evaluate(store.current, { agent: op, tool: 't', args: {} }).decision).toBe('BLOCK');
    } finally {
      store.stop();
    }
  });

  it('refuses an empty or rule-less file; with nothing loaded before, the fail-safe policy is in force', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gov-policy-'));
    dirs.push(dir);
    const file = path.join(dir, 'p.yaml');
    fs.writeFileSync(file, '');
    const store = new PolicyStore({ file, watch: false, debounceMs: 10, log: silent });
    const ev = store.load();
    expect(ev).toMatchObject({ ok: false, failSafe: true, problems: [expect.objectContaining({ path: 'rules' })] });
    expect(store.failSafe).toBe(true);
    expect(evaluate(store.current, { agent: op, tool: 'execute_device_command', args: { command: 'emergency_shutdown' } }).decision).toBe('BLOCK');
    expect(evaluate(store.current, { agent: op, tool: 'no_such_tool', args: {} }).decision).toBe('BLOCK');
    expect(evaluate(store.current, { agent: op, tool: 'get_device_status', args: {} }).decision).toBe('ALLOW');
    fs.writeFileSync(file, DEFAULT_YAML);
    expect(store.load()).toMatchObject({ ok: true, failSafe: false });
    expect(store.status).toBeNull();
    fs.writeFileSync(file, 'rules: []\n');
    expect(store.load()).toMatchObject({ ok: false, failSafe: false });
    expect(evaluate(store.current, { agent: op, tool: 'execute_device_command', args: { command: 'reduce_load' } }).decision).toBe('REVIEW');
  });

  it('appends a promoted rule, keeping comments, and loads it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gov-policy-'));
    dirs.push(dir);
    const file = path.join(dir, 'p.yaml');
    fs.writeFileSync(file, DEFAULT_YAML);
    const store = new PolicyStore({ file, watch: false, debounceMs: 10, log: silent });
    store.load();
    const ev = store.appendRule({
      id: 'promoted-1',
      agent: 'bot',
      tool: 'execute_device_command',
      when: { all: [{ arg: 'command', eq: 'reduce_load' }] },
      decision: 'ALLOW',
      priority: 100,
    });
    expect(ev.ok).toBe(true);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toContain('# AegisFlow default governance policy');
    expect(text).toContain('promoted-1');
    expect(evaluate(store.current, { agent: { id: 'bot', role: 'r' }, tool: 'execute_device_command', args: { command: 'reduce_load' } }).decision).toBe(
      'ALLOW',
    );
  });
});
