// An exported audit file checked on its own (aegisflow audit verify --file): real gateway traffic,
// the real export, the gateway's public key; edits, cuts and a forged head are each caught.
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyExport } from './audit-file';
import { loadPublicKey } from './keys';
import { harness, reduceLoad, type Harness } from './test-helpers';

let h: Harness;
afterEach(() => h?.close());

async function exported(since = 0): Promise<string[]> {
  h.gateway.addAgent({ id: 'diag', name: 'Diagnostics', role: 'assistant' });
  for (let i = 0; i < 3; i++) await h.gateway.authorize({ agentId: 'diag', tool: 'get_device_status', args: { device_id: 'line-1/pump-03' } });
  const r = await h.gateway.authorize({ agentId: 'diag', tool: 'execute_device_command', args: reduceLoad() });
  if (!r.approvalId) throw new Error('reduce_load should wait for an approval');
  h.gateway.decide(r.approvalId, 'approve', { operator: 'alice', comment: 'ok' });
  const lines: string[] = [];
  h.gateway.audit.export(since, (l) => lines.push(l));
  return lines;
}

const key = () => {
  const k = loadPublicKey(`${h.dir}/keys`);
  if (!k) throw new Error('the gateway wrote no public key');
  return k.publicKey;
};
const text = (lines: string[]) => lines.join('\n') + '\n';

describe('verifying an exported audit file', () => {
  it('accepts an untouched export: every row linked and hashed, the signed head covering the last row', async () => {
    h = harness();
    const lines = await exported();
    const v = verifyExport(text(lines), key());
    expect(v).toMatchObject({ ok: true, problem: null, remasked: 0 });
    expect(v.rows).toBe(lines.length - 1);
    expect(v.headSeq).toBe(JSON.parse(lines[lines.length - 2]).seq);
  });

  it('accepts an export that starts mid-chain (--since)', async () => {
    h = harness();
    const all = await exported();
    const second = JSON.parse(all[1]) as { ts: number };
    h.clock.advance(1);
    const lines: string[] = [];
    h.gateway.audit.export(second.ts, (l) => lines.push(l));
    expect(verifyExport(text(lines), key()).ok).toBe(true);
  });

  it('names an edited row, a removed row, a missing head and a head signed by another key', async () => {
    h = harness();
    const lines = await exported();
    const edited = lines.map((l, i) => (i === 2 ? l.replace('"diag"', '"someone"') : l));
    expect(verifyExport(text(edited), key())).toMatchObject({ ok: false, line: 3, problem: expect.stringContaining('altered') });

    const cut = lines.filter((_, i) => i !== 2);
    expect(verifyExport(text(cut), key())).toMatchObject({ ok: false, problem: expect.stringContaining('missing') });

    expect(verifyExport(text(lines.slice(0, -1)), key())).toMatchObject({ ok: false, problem: expect.stringContaining('no signed head') });

    const truncated = [...lines.slice(0, -2), lines[lines.length - 1]];
    expect(verifyExport(text(truncated), key())).toMatchObject({ ok: false, problem: expect.stringContaining('does not cover') });

    const other = generateKeyPairSync('ed25519').publicKey;
    expect(verifyExport(text(lines), other)).toMatchObject({ ok: false, problem: expect.stringContaining('invalid signature') });
  });
});
