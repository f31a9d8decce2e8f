// Issue 14, lifecycle: createCore does no I/O, and a core that starts and stops again and again in one
// process leaves nothing behind — no handle, timer, socket, file descriptor, bus listener or handler.
import { createHook } from 'node:async_hooks';
import fs from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { createCore, testConfig } from '../electron/core';
import { tempDir } from './helpers';

const t = tempDir('aegis-lifecycle-');
afterAll(() => t.cleanup());

/** Active resources by type (what keeps the event loop alive: servers, sockets, ref'd timers, workers). */
function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}
const openFds = () => fs.readdirSync('/proc/self/fd').length;

/** Timers (ref'd or not) created while `track` is on and not yet cleared or fired: a leaked interval shows here. */
function timerTracker() {
  const live = new Map<number, string>();
  let on = false;
  const hook = createHook({
    init(id, type) {
      if (on && type === 'Timeout') live.set(id, new Error().stack ?? '');
    },
    destroy(id) {
      live.delete(id);
    },
  });
  hook.enable();
  return {
    track: (b: boolean) => void (on = b),
    // Node's own process-wide caches re-arm a timer when used (the HTTP Date header, undici's clock): not ours.
    live: () => [...live.values()].filter((stack) => !/\(node:internal\/http:|FastTimer/.test(stack)),
    disable: () => hook.disable(),
  };
}

/**
 * Let close callbacks and destroy hooks of what stop() released run: event-loop turns, not wall time,
 * until `done` holds (a socket's peer may close a turn or two later on a loaded machine) or the turns run out.
 */
const settle = async (done: () => boolean = () => false, turns = 200) => {
  for (let i = 0; i < turns && !done(); i++) await new Promise((r) => setImmediate(r));
};

describe('core lifecycle', () => {
  it('createCore does no I/O: no data directory, no database, no dataset, no keys', () => {
    const dir = path.join(t.dir, 'never-started');
    const fds = openFds();
    const core = createCore(testConfig(dir));
    expect(fs.existsSync(dir)).toBe(false);
    expect(openFds()).toBe(fds);
    expect(core.started).toBe(false);
    expect(() => core.services).toThrow(/start/);
    expect(core.api.names()).toEqual([]);
  });

  it('starts and stops a core 20 times in one process and leaks no handle, timer, socket, fd or listener', async () => {
    // The whole core: embedded broker, HTTP with the WebSocket bridge and /mcp, the replay running.
    const cfg = testConfig(t.dir, { simulator: { autostart: true }, governance: { watchPolicy: true } });
    const core = createCore(cfg);
    const timers = timerTracker();
    try {
      // One cycle first: it generates the dataset and loads modules and pools that live for the process.
      await core.start();
      await core.stop();
      await settle(() => false, 50);
      const resources = activeResources();
      const fds = openFds();
      expect(core.bus.listenerCount()).toBe(0);
      expect(core.api.names()).toEqual([]);

      timers.track(true);
      for (let i = 0; i < 20; i++) {
        await core.start();
        expect(core.started).toBe(true);
        expect(core.api.names().length).toBeGreaterThan(0);
        // Use what start acquired: an MQTT client on the broker and a request through the HTTP server,
        // so sockets really open before stop has to close them.
        const client = await mqtt.connectAsync(core.services.broker.url, { reconnectPeriod: 0 });
        await client.endAsync();
        const health = await fetch(`${core.services.http?.url}/api/v1/health`);
        expect(health.status).toBe(200);
        await core.stop();
        expect(core.started).toBe(false);
      }
      timers.track(false);
      // Destroy hooks of cleared timers arrive a turn or more after clearTimeout: wait for them as well.
      await settle(() => JSON.stringify(activeResources()) === JSON.stringify(resources) && openFds() === fds && timers.live().length === 0);

      expect(activeResources()).toEqual(resources);
      expect(openFds()).toBe(fds);
      expect(core.bus.listenerCount()).toBe(0);
      expect(core.api.names()).toEqual([]);
      expect(timers.live()).toEqual([]);
    } finally {
      timers.disable();
      await core.stop();
    }
  }, 600_000);
});
