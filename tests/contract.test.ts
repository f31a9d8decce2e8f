// The contract as schemas (shared/schemas): every request has one, the registry refuses params that do
// not match it before any handler runs (invalid_params, the field named), unknown keys included, and
// what a real core answers and emits matches the result and event schemas the UI's types come from.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { REQUEST_NAMES, UI_EVENTS, type EventName, type RequestName, type RequestParams } from '../shared/contract';
import { EVENT_SCHEMAS, REQUEST_SCHEMAS } from '../shared/schemas';
import { createApi, CoreError, toErrorInfo } from '../electron/core/api';
import { createCore, testConfig, type Core } from '../electron/core';
import { AgentError } from '../electron/core/governance/agents';
import { OperatorError } from '../electron/core/operators/registry';
import { OPERATOR, tempDir } from './helpers';

/** Validate a reply's result against its request's result schema (the UI's type is inferred from it). */
function expectResultMatches(name: RequestName, result: unknown): void {
  const r = REQUEST_SCHEMAS[name].result.safeParse(result);
  expect(r.success ? null : `${name}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`).toBeNull();
}

describe('one schema per contract message', () => {
  it('every request has a params and a result schema, and every schema a request', () => {
    expect(Object.keys(REQUEST_SCHEMAS).sort()).toEqual([...REQUEST_NAMES].sort());
    for (const name of REQUEST_NAMES) {
      expect(REQUEST_SCHEMAS[name].params, name).toBeInstanceOf(z.ZodType);
      expect(REQUEST_SCHEMAS[name].result, name).toBeInstanceOf(z.ZodType);
    }
    for (const name of UI_EVENTS) expect(EVENT_SCHEMAS[name], name).toBeInstanceOf(z.ZodType);
  });

  it('keeps zod out of the renderer: what it imports from shared/ reaches the schemas through type-only imports', () => {
    const root = path.resolve(import.meta.dirname, '..');
    const runtimeImports = (file: string) =>
      [...fs.readFileSync(file, 'utf8').matchAll(/^(?:import|export)(?! type)[^;]*? from '([^']+)'/gm)].map((m) => path.resolve(path.dirname(file), m[1]));
    const seen = new Set<string>();
    const visit = (file: string) => {
      for (const target of runtimeImports(file)) {
        const ts = fs.existsSync(`${target}.ts`) ? `${target}.ts` : fs.existsSync(`${target}.tsx`) ? `${target}.tsx` : null;
        if (!ts || seen.has(ts) || !ts.startsWith(path.join(root, 'shared'))) continue;
        seen.add(ts);
        visit(ts);
      }
    };
    const walk = (dir: string): string[] =>
      fs
        .readdirSync(dir, { withFileTypes: true })
        .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [path.join(dir, e.name)] : []));
    for (const file of walk(path.join(root, 'renderer', 'src'))) visit(file);
    expect([...seen].map((f) => path.relative(root, f))).toContain('shared/contract.ts');
    for (const file of seen) {
      expect(path.relative(root, file)).not.toMatch(/^shared\/(schemas\/|domain\.ts)/);
      expect(fs.readFileSync(file, 'utf8'), file).not.toMatch(/^import(?! type)[^;]*from 'zod'/m);
    }
  });

  it('the registry refuses bad params before the handler runs, and runs it with the parsed params otherwise', async () => {
    const api = createApi();
    const seen: unknown[] = [];
    api.register('agents.pause', (p) => {
      seen.push(p);
      return {
        id: p.id,
        name: p.id,
        role: 'assistant',
        model: null,
        createdAt: 0,
        status: 'paused',
        statusReason: p.reason ?? null,
        lastSeen: null,
        scope: {},
        reducedAutonomy: false,
        revokedTools: [],
      };
    });
    const bad = await api.call('agents.pause', { id: 7 } as never, OPERATOR);
    expect(bad).toEqual({ ok: false, error: { code: 'invalid_params', message: expect.stringMatching(/^id: /) as string } });
    const extra = await api.call('agents.pause', { id: 'a-1', as: 'admin' } as never, OPERATOR);
    expect(extra).toMatchObject({ ok: false, error: { code: 'invalid_params', message: expect.stringContaining('"as"') as string } });
    expect(seen).toEqual([]);
    // Roles are checked before params: an anonymous caller learns nothing about the params' shape.
    expect(await api.call('agents.pause', { id: 7 } as never)).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    const ok = await api.call('agents.pause', { id: 'a-1', reason: 'r' }, OPERATOR);
    expect(ok).toMatchObject({ ok: true, result: { id: 'a-1', statusReason: 'r' } });
    expect(seen).toEqual([{ id: 'a-1', reason: 'r' }]);
  });

  it('maps thrown errors to { code, message } in one place', () => {
    expect(toErrorInfo(new CoreError('no_simulator', 'off'))).toEqual({ code: 'no_simulator', message: 'off' });
    expect(toErrorInfo(new AgentError('not_found', 'no agent x'))).toEqual({ code: 'not_found', message: 'no agent x' });
    expect(toErrorInfo(new OperatorError('exists', 'taken'))).toEqual({ code: 'exists', message: 'taken' });
    const zerr = z.strictObject({ a: z.object({ b: z.number() }) }).safeParse({ a: { b: 'x' } });
    expect(!zerr.success && toErrorInfo(zerr.error)).toEqual({ code: 'invalid_params', message: 'a.b: Invalid input: expected number, received string' });
    // A system error's code (ENOENT, SQLITE_BUSY) is not a contract code.
    expect(toErrorInfo(Object.assign(new Error('disk'), { code: 'ENOENT' }))).toEqual({ code: 'internal', message: 'disk' });
    expect(toErrorInfo('boom')).toEqual({ code: 'internal', message: 'boom' });
  });
});

describe('the contract on a real core', () => {
  let core: Core;
  let cleanup: () => void;
  const events: Array<{ name: EventName; payload: unknown }> = [];

  beforeAll(async () => {
    const t = tempDir('aegisflow-contract-');
    cleanup = t.cleanup;
    core = createCore(testConfig(t.dir, { simulator: { enabled: false }, governance: { watchPolicy: false }, immune: { enabled: false } }));
    core.bus.onAny((name, payload) => events.push({ name, payload }));
    await core.start();
  });
  afterAll(async () => {
    await core.stop();
    cleanup();
  });

  /** A malformed request is refused with the field named; `unchanged` proves the handler did not act. */
  async function refused<N extends RequestName>(name: N, params: unknown, field: string): Promise<void> {
    const r = await core.api.call(name, params as RequestParams<N>, OPERATOR);
    expect(r, name).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
    expect(!r.ok && r.error.message, name).toContain(field);
  }

  it('refuses malformed requests to several subsystems, naming the field; nothing changes', async () => {
    const { agent } = core.services.governance.addAgent({ name: 'contract-bot' }, 'test');
    core.services.alarms.setCondition('test:communication', { active: true, source: 'test', kind: 'communication', priority: 'high', message: 'test alarm' });
    const alarm = core.services.alarms.find('test:communication');
    expect(alarm?.state).toBe('unacknowledged');
    const before = events.length;

    await refused('agents.pause', { id: agent.id, reason: 42 }, 'reason');
    await refused('agents.setScope', { id: agent.id, scope: { devices: 'line-1/*' } }, 'scope.devices');
    await refused('alarms.shelve', { id: alarm?.id, reason: '   ' }, 'reason: a reason is required to shelve an alarm');
    await refused('alarms.acknowledge', { id: alarm?.id, who: 'Mallory' }, '"who"');
    await refused('operators.add', { name: 'eve', password: 'a long password', roles: 'admin' }, 'roles');
    await refused('approvals.decide', { id: 'ap-1', verdict: 'maybe' }, 'verdict');
    await refused('immune.chaos', { type: 'bogus' }, 'type');
    await refused('plant.range', { device_id: 'line-1/pump-03', from: 10, to: 5 }, 'to: from must not be after to');
    await refused('incidents.list', { limit: '10' }, 'limit');
    await refused('traces.get', { traceId: 'nope' }, 'traceId: a 32-hex-digit trace id');
    // Without a simulator the handler would answer no_simulator: invalid_params shows it never ran.
    await refused('simulator.control', { action: 'speed', speed: 'fast' }, 'speed');
    await refused('simulator.control', { action: 'rewind' }, 'action');
    await refused('plant.snapshot', { everything: true }, '"everything"');

    expect(events.slice(before).map((e) => e.name)).toEqual([]);
    expect(core.services.governance.agents.list().find((a) => a.id === agent.id)).toMatchObject({ status: 'active', scope: {} });
    expect(core.services.alarms.find('test:communication')?.state).toBe('unacknowledged');
    const ops = await core.api.call('operators.list', {}, OPERATOR);
    expect(ops.ok && ops.result.map((o) => o.name)).not.toContain('eve');
  });

  it('valid requests still work, as the caller, with results and events that match their schemas', async () => {
    const { agent } = core.services.governance.addAgent({ name: 'schema-bot', scope: { lines: ['line-2'] } }, 'test');
    const paused = await core.api.call('agents.pause', { id: agent.id }, OPERATOR);
    expect(paused).toMatchObject({ ok: true, result: { id: agent.id, status: 'paused', statusReason: 'paused by operator' } });
    const shelved = await core.api.call('alarms.shelve', { id: 'test:communication', reason: 'known outage', minutes: 5 }, OPERATOR);
    expect(shelved).toMatchObject({ ok: true, result: { state: 'shelved', shelved_by: OPERATOR.operator?.name } });
    const created = await core.api.call('agents.create', { name: 'made-by-ui', scope: { toolGroups: ['read'] } }, OPERATOR);
    expect(created.ok && created.result.token.length).toBeGreaterThan(20);
    const page = await core.api.call('anomalies.list', {}, OPERATOR);
    expect(page).toEqual({ ok: true, result: { items: [], total: 0 } });
    expect(await core.api.call('simulator.scenarios', {}, OPERATOR)).toMatchObject({ ok: false, error: { code: 'no_simulator' } });

    const reads: { [N in RequestName]?: RequestParams<N> } = {
      'plant.snapshot': {},
      'plant.history': { device_id: 'line-1/pump-03' },
      'plant.range': { device_id: 'line-1/pump-03', from: 0, to: Date.now() },
      'plant.tagRange': { tags: ['line-1/pump-03/temperature'], from: 0, to: Date.now() },
      'incidents.list': { text: '  pump ' },
      'approvals.list': { status: 'pending' },
      'agents.list': {},
      'audit.query': { limit: 20 },
      'audit.verify': {},
      'policy.get': {},
      'operators.list': {},
      'immune.overview': {},
      'immune.patterns': {},
      'anomalies.active': {},
      'alarms.list': { attention: true },
      'alarms.history': { id: 'test:communication' },
      'alarms.stats': {},
      'alarms.report': {},
      'mcp.info': {},
      'mcp.calls': { limit: 5 },
      'agent.status': {},
      'demo.status': {},
      'traces.list': {},
    };
    for (const [name, params] of Object.entries(reads) as Array<[RequestName, RequestParams<RequestName>]>) {
      const r = await core.api.call(name, params, OPERATOR);
      expect(r.ok ? null : r.error, name).toBeNull();
      if (r.ok) expectResultMatches(name, r.result);
    }
    for (const name of ['agents.pause', 'alarms.shelve', 'agents.create', 'anomalies.list'] as const) {
      const r = { 'agents.pause': paused, 'alarms.shelve': shelved, 'agents.create': created, 'anomalies.list': page }[name];
      if (r.ok) expectResultMatches(name, r.result);
    }
    const seen = new Set(events.map((e) => e.name));
    for (const name of ['agent.changed', 'alarm.changed', 'audit.appended'] as const) expect(seen.has(name), name).toBe(true);
    for (const { name, payload } of events) {
      const r = EVENT_SCHEMAS[name].safeParse(payload);
      expect(r.success ? null : `${name}: ${r.error.message}`).toBeNull();
    }
  });
});
