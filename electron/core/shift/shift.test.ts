// The operator logbook and the shift handover on a real core: entries on both clocks and masked, a
// handover that names the open and shelved alarms, pending approvals, stopped agents and blocked calls,
// and that only the incoming operator (not its author) may acknowledge.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, testConfig, type Core } from '..';
import { operatorCaller, tempDir, waitFor } from '../../../tests/helpers';
import { reduceLoad } from '../../../tests/security/device-commands';

const OUTGOING = operatorCaller('Dana Reyes', ['operator']);
const INCOMING = operatorCaller('Sam Ortiz', ['operator']);

describe('logbook and shift handover', () => {
  let core: Core;
  let cleanup: () => void;

  beforeAll(async () => {
    const t = tempDir('aegis-shift-');
    cleanup = t.cleanup;
    core = createCore(
      testConfig(t.dir, { simulator: { speed: 60 }, http: { enabled: false }, immune: { fleet: { enabled: false } }, governance: { watchPolicy: false } }),
    );
    await core.start();
    await waitFor(() => core.services.plant!.simulator.plantTime() !== null, 'the replay to publish');
  });

  afterAll(async () => {
    await core?.stop();
    cleanup?.();
  });

  it('records notes with the operator, both clocks, links, and masks secrets', async () => {
    const r = await core.api.call(
      'logbook.add',
      { text: 'Compressor 1 running hot; vendor password=hunter2hunter2 on the sticker', links: { devices: ['line-1/compressor-01'] } },
      OUTGOING,
    );
    if (!r.ok) throw new Error(r.error.message);
    expect(r.result).toMatchObject({ operator: 'Dana Reyes', links: { devices: ['line-1/compressor-01'] } });
    expect(r.result.plantTs).toBeTypeOf('number');
    expect(r.result.text).not.toContain('hunter2hunter2');
    const list = await core.api.call('logbook.list', {}, INCOMING);
    expect(list.ok && list.result[0]?.id).toBe(r.result.id);
    // a viewer may read the logbook but not write in it
    expect(await core.api.call('logbook.add', { text: 'x' }, operatorCaller('Vic', ['viewer']))).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('a handover names the shelved alarm, the pending approval, the stopped agent and its blocked call; the incoming operator acknowledges it', async () => {
    const g = core.services.governance;
    // a shelved alarm, a pending approval, a paused agent with a blocked call
    core.services.alarms.setCondition('line-2/pump-03:test', {
      active: true,
      priority: 'high',
      message: 'test condition',
      source: 'line-2/pump-03',
      kind: 'anomaly',
    });
    core.services.alarms.shelve('line-2/pump-03:test', 'Dana Reyes', 'sensor being replaced', 3_600_000);
    g.addAgent({ id: 'ops', name: 'Operations assistant', role: 'assistant' });
    const pending = await g.authorize({ agentId: 'ops', tool: 'execute_device_command', args: reduceLoad('line-1/compressor-01', 30) });
    g.addAgent({ id: 'rogue', name: 'Rogue bot', role: 'assistant' });
    g.pauseAgent('rogue', 'tried to stop the plant');
    await g.authorize({ agentId: 'rogue', tool: 'get_device_status', args: { device_id: 'line-1/compressor-01' } });

    const h = await core.api.call('handover.create', { note: 'Watch compressor 1.' }, OUTGOING);
    if (!h.ok) throw new Error(h.error.message);
    const md = h.result.markdown;
    expect(md).toMatch(/^# Shift handover/);
    expect(md).toContain('line-2/pump-03:test | shelved | Dana Reyes | sensor being replaced');
    expect(md).toContain(`${pending.approvalId}: ops asks execute_device_command`);
    expect(md).toContain('Rogue bot (rogue): paused — tried to stop the plant');
    expect(md).toMatch(/blocked .* rogue get_device_status/);
    expect(md).toContain('Dana Reyes: Compressor 1 running hot');
    expect(md).toContain('> Watch compressor 1.');
    expect(h.result.counts).toMatchObject({ shelvedAlarms: 1, pendingApprovals: 1, stoppedAgents: 1, notes: 1 });
    expect(h.result.counts.blockedCalls).toBeGreaterThanOrEqual(1);

    // its author cannot acknowledge it; the incoming operator does, once
    expect(await core.api.call('handover.ack', { id: h.result.id }, OUTGOING)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await core.api.call('handover.ack', { id: h.result.id }, INCOMING)).toMatchObject({ ok: true, result: { ackedBy: 'Sam Ortiz' } });
    expect(await core.api.call('handover.ack', { id: h.result.id }, INCOMING)).toMatchObject({ ok: false, error: { code: 'already_decided' } });
    // the next shift starts at the acknowledgement: the old note is not in the next report
    const next = await core.api.call('handover.create', {}, INCOMING);
    expect(next.ok && next.result.counts.notes).toBe(0);
  });
});
