// The consequence preview on a real core (demo plant and the water plant's generic device model): a
// pending device command is run forward through a copy of the device's model; the live device is left as
// it was; the decision may cite the preview's hash, which the audit then records, and only a hash the
// core issued for that approval.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { createCore, testConfig, type Core } from '..';
import { canonicalHash } from '../../edge/canonical';
import { OPERATOR, tempDir, waitFor } from '../../../tests/helpers';
import { reduceLoad } from '../../../tests/security/device-commands';
import type { ConsequencePreview } from '../../../shared/schemas/plant';

const DEVICE = 'line-1/compressor-01';
const WATER = path.resolve(__dirname, '../../../resources/plants/water-treatment.yaml');
const PUMP = 'intake/rw-pump-1';

async function pendingApproval(core: Core, args: Record<string, unknown>): Promise<string> {
  const r = await core.services.governance.authorize({ agentId: 'ops', tool: 'execute_device_command', args });
  if (r.decision !== 'REVIEW' || !r.approvalId) throw new Error(`expected REVIEW, got ${r.decision}: ${r.reason}`);
  return r.approvalId;
}

describe('consequence preview (demo plant)', () => {
  let core: Core;
  let cleanup: () => void;

  beforeAll(async () => {
    const t = tempDir('aegis-preview-');
    cleanup = t.cleanup;
    core = createCore(
      testConfig(t.dir, { simulator: { speed: 60 }, http: { enabled: false }, immune: { fleet: { enabled: false } }, governance: { watchPolicy: false } }),
    );
    await core.start();
    core.services.governance.addAgent({ id: 'ops', name: 'Operations assistant', role: 'assistant' });
    await waitFor(() => !!core.services.live.latest(DEVICE) && !!core.services.live.latest('line-2/motor-02'), 'readings of the compressor and the motor');
    core.services.plant!.simulator.pause();
  });

  afterAll(async () => {
    await core?.stop();
    cleanup?.();
  });

  it('runs reduce_load forward: power at once, temperature over minutes, both below the device left as it is; the live device is untouched', async () => {
    const id = await pendingApproval(core, reduceLoad(DEVICE, 30));
    const before = core.services.plant!.simulator.device(DEVICE)!.status();
    const r = await core.api.call('approvals.preview', { id }, OPERATOR);
    if (!r.ok) throw new Error(r.error.message);
    const p: ConsequencePreview = r.result;
    expect(p).toMatchObject({ approvalId: id, deviceId: DEVICE, command: 'reduce_load', params: { reduction_pct: 30 }, horizonS: 600 });
    const tag = (k: string) => p.tags.find((t) => t.key === k)!;
    expect(p.tags.map((t) => t.key)).toEqual(expect.arrayContaining(['temperature', 'power']));
    // power falls within the first half minute (τ 5 s) to ~70 % of as-is; temperature falls gradually (τ 240 s)
    const power = tag('power');
    const k30 = Math.round(30_000 / p.stepMs) - 1;
    expect(power.withCommand[k30] / power.asIs[k30]).toBeCloseTo(0.7, 1);
    const temp = tag('temperature');
    const drop = (i: number) => temp.asIs[i] - temp.withCommand[i];
    expect(drop(k30)).toBeLessThan(drop(temp.asIs.length - 1));
    expect(drop(temp.asIs.length - 1)).toBeGreaterThan(1);
    expect(temp.unit).toBe('°C');
    expect(temp.limits.H).toBeTypeOf('number');
    // the hash is the canonical hash of the preview's content
    const { hash, computeMs, ...body } = p;
    expect(hash).toBe(canonicalHash(body));
    expect(computeMs).toBeGreaterThanOrEqual(0);
    // nothing live changed
    expect(core.services.plant!.simulator.device(DEVICE)!.status()).toEqual(before);

    // a decision citing a hash the core did not issue for this approval is refused; the issued one is recorded
    const forged = await core.api.call('approvals.decide', { id, verdict: 'approve', previewHash: 'f'.repeat(64) }, OPERATOR);
    expect(forged).toMatchObject({ ok: false, error: { code: 'invalid' } });
    const decided = await core.api.call('approvals.decide', { id, verdict: 'approve', comment: 'preview seen', previewHash: hash }, OPERATOR);
    expect(decided.ok).toBe(true);
    const row = core.services.governance.audit.query({ limit: 50 }).find((x) => x.kind === 'APPROVED' && x.approvalId === id);
    expect(row?.detail).toMatchObject({ previewHash: hash });
    // a decided approval has no preview any more
    expect(await core.api.call('approvals.preview', { id }, OPERATOR)).toMatchObject({ ok: false, error: { code: 'already_decided' } });
  });

  it('says plainly when there is nothing to preview', async () => {
    expect(await core.api.call('approvals.preview', { id: 'nope' }, OPERATOR)).toMatchObject({ ok: false, error: { code: 'not_found' } });
    // a command the device would refuse (shut down devices take no load change) is named as such
    const id = await pendingApproval(core, { ...reduceLoad('line-2/motor-02', 20), parameters: { reduction_pct: 20 } });
    const stop = core.services.plant!.simulator.device('line-2/motor-02')!;
    stop.state = 'shutdown';
    try {
      const r = await core.api.call('approvals.preview', { id }, OPERATOR);
      expect(r).toMatchObject({ ok: false, error: { code: 'no_preview' } });
      expect(r.ok ? '' : r.error.message).toMatch(/would refuse it: device is shut down/);
    } finally {
      stop.state = 'running';
    }
  });
});

describe('consequence preview (water plant, generic device model)', () => {
  let core: Core;
  let cleanup: () => void;

  beforeAll(async () => {
    const t = tempDir('aegis-preview-water-');
    cleanup = t.cleanup;
    core = createCore(
      testConfig(t.dir, {
        plant: { model: WATER, watch: false },
        simulator: { speed: 5 },
        http: { enabled: false },
        immune: { fleet: { enabled: false } },
        governance: { watchPolicy: false },
      }),
    );
    await core.start();
    core.services.governance.addAgent({ id: 'ops', name: 'Operations assistant', role: 'assistant' });
    await waitFor(() => !!core.services.live.latest(PUMP), 'readings of the pump');
  });

  afterAll(async () => {
    await core?.stop();
    cleanup?.();
  });

  it('set_speed 50 % previews the flow settling near half of as-is', async () => {
    const id = await pendingApproval(core, {
      device_id: PUMP,
      command: 'set_speed',
      parameters: { speed_pct: 50 },
      justification: 'reservoir near its high limit',
    });
    const r = await core.api.call('approvals.preview', { id }, OPERATOR);
    if (!r.ok) throw new Error(r.error.message);
    const flow = r.result.tags.find((t) => t.key === 'flow');
    expect(flow).toBeDefined();
    const last = flow!.asIs.length - 1;
    expect(flow!.withCommand[last] / flow!.asIs[last]).toBeLessThan(0.75);
    expect(core.services.plant!.simulator.device(PUMP)!.status()).toMatchObject({ load_pct: 100 });
  });
});
