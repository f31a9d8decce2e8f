// Test helpers: temp data dirs that clean themselves up, cores stopped after each test, and polling
// for a condition.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { createCore, type Config, type Core, type CoreDeps } from '../electron/core';
import type { EventBus } from '../electron/core/bus';
import type { EventMap, EventName } from '../shared/contract';
import type { Caller } from '../shared/operators';

export function tempDir(prefix = 'aegisflow-test-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A loopback port free right now (for a server that must come back on the same port, or a child process). */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/**
 * The cores and temp dirs of each test in a file: after every test the `beforeStop` steps run (newest
 * first: clients and sockets), the cores stop (newest first) and the dirs go. Call once at the top of a test file.
 */
export function perTestCores(): {
  dir(prefix?: string): string;
  core(config: Config, deps?: CoreDeps): Core;
  beforeStop(step: () => void | Promise<void>): void;
} {
  let cores: Core[] = [];
  let cleanups: Array<() => void> = [];
  let steps: Array<() => void | Promise<void>> = [];
  afterEach(async () => {
    for (const s of steps.reverse()) await s();
    steps = [];
    for (const c of cores.reverse()) await c.stop();
    cores = [];
    for (const c of cleanups.reverse()) c();
    cleanups = [];
  });
  return {
    dir(prefix) {
      const t = tempDir(prefix);
      cleanups.push(t.cleanup);
      return t.dir;
    },
    core(config, deps) {
      const c = createCore(config, deps);
      cores.push(c);
      return c;
    },
    beforeStop(step) {
      steps.push(step);
    },
  };
}

/**
 * Resolves when cond holds: checked now and after every `name` event on the bus. No polling and no
 * deadline of its own (the test's timeout is the deadline), so a slow machine only makes it later.
 */
export function whenEvent<N extends EventName>(bus: EventBus, name: N, cond: (payload: EventMap[N] | null) => boolean): Promise<void> {
  if (cond(null)) return Promise.resolve();
  return new Promise((resolve) => {
    const off = bus.on(name, (payload) => {
      if (!cond(payload)) return;
      off();
      resolve();
    });
  });
}

/** Polls fn until it returns something truthy (for outcomes no event announces). */
export async function waitFor<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 20_000, everyMs = 25): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * An authenticated operator, for in-process calls that act for a person:
 * `core.api.call('approvals.decide', { id, verdict: 'approve' }, OPERATOR)`.
 */
export const OPERATOR: Caller = Object.freeze({
  operator: { id: 'op-test', name: 'Test Operator', roles: ['admin'] },
  via: 'internal',
});

/** An authenticated operator with this name (and roles), for tests that check who decided. */
export function operatorCaller(name: string, roles: string[] = ['admin']): Caller {
  return Object.freeze({ operator: { id: `op-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`, name, roles }, via: 'internal' });
}

/** The i-th of a calm, varied run of a governed agent's vitals, as the MCP server reports them (immune tests). */
export const mcpVitals = (agentId: string, ts: number, i: number, over: Record<string, unknown> = {}) => ({
  agent_id: agentId,
  ts,
  latency_ms: 300 + (i % 5) * 20,
  input_tokens: 700 + (i % 4) * 25,
  output_tokens: 150 + (i % 3) * 10,
  tool_calls: 1 + (i % 2),
  model: 'gpt-5-mini',
  mcp_servers: ['aegisflow-plant'],
  tools: ['get_device_status'],
  ...over,
});
