// Operator annotations on a real core (SQLite in a temp dir, the WebSocket bridge on port 0): stored with
// both clocks and the caller as author, bad input refused with invalid_params, every connected UI told at
// once, a logbook note may link one, and the handover lists the shift's annotations.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, testConfig, type Core } from '..';
import type { Annotation } from '../../../shared/schemas/shift';
import { operatorCaller, tempDir } from '../../../tests/helpers';
import { login, nextEvent, openWs, type WsClient } from '../../../tests/security/http-attack';

const DANA = operatorCaller('Dana Reyes', ['operator']);
const DEVICE = 'line-1/compressor-01';

describe('operator annotations on the trends', () => {
  let core: Core;
  let cleanup: () => void;
  const clients: WsClient[] = [];

  beforeAll(async () => {
    const t = tempDir('aegis-annotations-');
    cleanup = t.cleanup;
    core = createCore(testConfig(t.dir, { simulator: { enabled: false }, immune: { fleet: { enabled: false } }, governance: { watchPolicy: false } }));
    await core.start();
    await core.services.operators.registry.add({ name: 'Sam Ortiz', password: 'another long passphrase', roles: ['operator'] });
    await core.services.operators.registry.add({ name: 'Ward Watcher', password: 'wall display pass', roles: ['viewer'] });
  });

  afterAll(async () => {
    for (const c of clients) await c.close();
    await core?.stop();
    cleanup?.();
  });

  const connect = async (name: string, password: string) => {
    const port = core.services.http?.port ?? 0;
    const ws = await openWs(port, { cookie: await login(port, name, password) });
    if ('refused' in ws) throw new Error(`upgrade refused: ${ws.refused}`);
    clients.push(ws);
    return ws;
  };

  it('stores the note with the plant time it is pinned to, the wall time it was written and the caller as author', async () => {
    const before = Date.now();
    const r = await core.api.call(
      'annotations.add',
      { plantTs: 1_767_236_400_000, deviceId: DEVICE, tag: 'temperature', text: '  Cooling fan swapped here  ' },
      DANA,
    );
    if (!r.ok) throw new Error(r.error.message);
    expect(r.result).toMatchObject({
      plantTs: 1_767_236_400_000,
      deviceId: DEVICE,
      tag: 'temperature',
      author: 'Dana Reyes',
      text: 'Cooling fan swapped here',
    });
    expect(r.result.ts).toBeGreaterThanOrEqual(before);
    expect(r.result.id).toMatch(/^ann_[0-9a-f]{12}$/);
    // a whole-device note, an hour later, then the list: newest pinned time first, filtered by device and window
    const later = await core.api.call('annotations.add', { plantTs: 1_767_240_000_000, deviceId: DEVICE, text: 'load back to 100 %' }, DANA);
    expect(later).toMatchObject({ ok: true, result: { tag: null } });
    await core.api.call('annotations.add', { plantTs: 1_767_240_000_000, deviceId: 'line-2/pump-03', text: 'other device' }, DANA);
    const list = await core.api.call('annotations.list', { deviceIds: [DEVICE] }, operatorCaller('Vic', ['viewer']));
    expect(list.ok && list.result.map((a) => a.text)).toEqual(['load back to 100 %', 'Cooling fan swapped here']);
    const window = await core.api.call('annotations.list', { deviceIds: [DEVICE], from: 1_767_236_000_000, to: 1_767_237_000_000 }, DANA);
    expect(window.ok && window.result.map((a) => a.id)).toEqual([r.result.id]);
    // stored, not just echoed: the row in SQLite
    expect(core.db.prepare('SELECT author, plant_ts FROM annotations WHERE id = ?').get(r.result.id)).toEqual({
      author: 'Dana Reyes',
      plant_ts: 1_767_236_400_000,
    });
  });

  it('refuses bad input with invalid_params, an author in the params, and a viewer', async () => {
    const base = { plantTs: 1_767_236_400_000, deviceId: DEVICE, text: 'ok' };
    const refused = async (p: Record<string, unknown>) => {
      const r = await core.api.call('annotations.add', p as never, DANA);
      return r.ok ? 'accepted' : r.error.code;
    };
    expect(await refused({ ...base, text: '   ' })).toBe('invalid_params');
    expect(await refused({ ...base, text: 'x'.repeat(501) })).toBe('invalid_params');
    expect(await refused({ ...base, plantTs: 'yesterday' })).toBe('invalid_params');
    expect(await refused({ ...base, deviceId: 'line-9/nothing' })).toBe('invalid_params');
    expect(await refused({ ...base, tag: 'no_such_tag' })).toBe('invalid_params');
    expect(await refused({ ...base, author: 'Somebody Else' })).toBe('invalid_params');
    expect(await core.api.call('annotations.add', base, operatorCaller('Vic', ['viewer']))).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(core.db.prepare('SELECT COUNT(*) AS n FROM annotations WHERE author != ?').get('Dana Reyes')).toEqual({ n: 0 });
  });

  it('a note added on one console reaches another at once, with the author of the session that wrote it', async () => {
    const writer = await connect('Sam Ortiz', 'another long passphrase');
    const wall = await connect('Ward Watcher', 'wall display pass');
    const seen = nextEvent<Annotation>(wall.ws, 'annotation.added');
    const r = await writer.call('annotations.add', { plantTs: 1_767_243_600_000, deviceId: DEVICE, tag: 'power', text: 'power dip: breaker test' });
    expect(r.ok).toBe(true);
    expect(await seen).toMatchObject({ author: 'Sam Ortiz', deviceId: DEVICE, tag: 'power', text: 'power dip: breaker test', plantTs: 1_767_243_600_000 });
    // the wall display may read them but not write
    expect(await wall.call('annotations.add', { plantTs: 1, deviceId: DEVICE, text: 'x' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('a logbook note links an annotation, and the handover lists the shift’s annotations', async () => {
    const a = await core.api.call('annotations.add', { plantTs: 1_767_247_200_000, deviceId: DEVICE, text: 'vendor on site' }, DANA);
    if (!a.ok) throw new Error(a.error.message);
    const e = await core.api.call('logbook.add', { text: 'see the annotation on compressor 1', links: { annotations: [a.result.id] } }, DANA);
    expect(e).toMatchObject({ ok: true, result: { links: { annotations: [a.result.id] } } });
    const h = await core.api.call('handover.create', {}, DANA);
    if (!h.ok) throw new Error(h.error.message);
    expect(h.result.markdown).toContain('## Annotations on the trends this shift (5)');
    expect(h.result.markdown).toMatch(/- 2026-01-01 \d\d:00 line-1\/compressor-01 — Dana Reyes: vendor on site/);
    expect(h.result.markdown).toContain('line-1/compressor-01/power — Sam Ortiz: power dip: breaker test');
  });
});
