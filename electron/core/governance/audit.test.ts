import fs from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditLog, createMasker, DEFAULT_MASK, GENESIS_HASH, rowContentCanonical, rowHash, type AuditRowRaw } from './audit';
import { manualClock } from '../clock';
import { canonicalize } from './canonical';
import { loadPublicKey } from './keys';
import { harness, reduceLoad, type Harness } from './test-helpers';

let h: Harness;
afterEach(() => h?.close());

/** 12 rows of real gateway traffic (signEvery 5 → heads at 5 and 10, and one at the approval decision). */
async function traffic(): Promise<void> {
  h.gateway.addAgent({ id: 'diag', name: 'diag', role: 'assistant' });
  for (let i = 0; i < 4; i++) await h.gateway.authorize({ agentId: 'diag', tool: 'get_device_status', args: { device_id: 'line-1/pump-03' } });
  await h.gateway.authorize({ agentId: 'diag', tool: 'execute_device_command', args: { device_id: 'line-1/pump-03', command: 'restart' } });
  const r = await h.gateway.authorize({ agentId: 'diag', tool: 'execute_device_command', args: reduceLoad() });
  h.gateway.decide(r.approvalId!, 'approve', { operator: 'alice', comment: 'ok' });
  while (h.gateway.audit.count() < 12) await h.gateway.authorize({ agentId: 'diag', tool: 'get_active_anomalies' });
}

/** Tamper through a second connection to the same SQLite file, as an attacker with file access would. */
function tamper(sql: string): void {
  const other = new Database(h.dbFile);
  try {
    // The attacker first removes the append-only guard (any SQLite client can).
    other.exec('DROP TRIGGER IF EXISTS gov_audit_no_update; DROP TRIGGER IF EXISTS gov_audit_no_delete;');
    other.exec(sql);
  } finally {
    other.close();
  }
}

function verify() {
  return h.gateway.audit.verify(loadPublicKey(`${h.dir}/keys`)!.publicKey);
}

describe('audit chain', () => {
  it('verifies an untouched chain and its signed heads', async () => {
    h = harness();
    await traffic();
    const v = verify();
    expect(v).toMatchObject({ ok: true, rows: 12, signedHeads: 3, firstBadSeq: null });
    // Rows 11 and 12 come after the last signed head (10): linked, but unproven.
    expect(v.unsignedTail).toMatchObject({ rows: 2, fromSeq: 11 });
  });

  it('names the row whose content was edited', async () => {
    h = harness();
    await traffic();
    tamper(`UPDATE gov_audit SET decision = 'ALLOW' WHERE seq = 7`);
    expect(verify()).toMatchObject({ ok: false, firstBadSeq: 7 });
    expect(verify().problem).toMatch(/row 7 was altered/);
  });

  it('names the row whose masked display copy was edited', async () => {
    h = harness();
    await traffic();
    tamper(`UPDATE gov_audit SET args_masked = '{"device_id":"line-3/motor-02"}' WHERE seq = 3`);
    expect(verify().firstBadSeq).toBe(3);
  });

  it('names a deleted row', async () => {
    h = harness();
    await traffic();
    tamper('DELETE FROM gov_audit WHERE seq = 4');
    expect(verify()).toMatchObject({ ok: false, firstBadSeq: 4 });
    expect(verify().problem).toMatch(/row 4 is missing/);
  });

  it('names the first of two reordered rows', async () => {
    h = harness();
    await traffic();
    tamper('UPDATE gov_audit SET seq = -1 WHERE seq = 8; UPDATE gov_audit SET seq = 8 WHERE seq = 9; UPDATE gov_audit SET seq = 9 WHERE seq = -1;');
    expect(verify()).toMatchObject({ ok: false, firstBadSeq: 8 });
  });

  it('names a row deleted and renumbered so the sequence looks whole', async () => {
    h = harness();
    await traffic();
    tamper('DELETE FROM gov_audit WHERE seq = 6; UPDATE gov_audit SET seq = seq - 1 WHERE seq > 6;');
    expect(verify().firstBadSeq).toBe(6);
  });

  it('catches a chain rewritten after an edit, through the signed head', async () => {
    h = harness();
    await traffic();
    // The attacker edits row 2 and recomputes every hash after it: links and hashes all check out...
    const other = new Database(h.dbFile);
    other.exec('DROP TRIGGER gov_audit_no_update');
    const rows = other.prepare('SELECT * FROM gov_audit ORDER BY seq').all() as AuditRowRaw[];
    let prev = GENESIS_HASH;
    const upd = other.prepare('UPDATE gov_audit SET reason = ?, prev_hash = ?, hash = ? WHERE seq = ?');
    for (const r of rows) {
      const row = r.seq === 2 ? { ...r, reason: 'nothing to see' } : r;
      const hash = rowHash(prev, row);
      upd.run(row.reason, prev, hash, r.seq);
      prev = hash;
    }
    other.close();
    // ...but the head signed at row 5 no longer matches.
    const v = verify();
    expect(v.ok).toBe(false);
    expect(v.firstBadSeq).toBe(5);
    expect(v.problem).toMatch(/signed head/);
  });

  it('catches rows cut off the end after a signed head, and a forged head signature', async () => {
    h = harness();
    await traffic();
    h.gateway.stop(); // signs the head at row 12
    tamper('DELETE FROM gov_audit WHERE seq > 10');
    expect(verify()).toMatchObject({ ok: false, firstBadSeq: 11 });
    tamper(`UPDATE gov_audit_heads SET signature = 'AAAA' WHERE seq = 5`);
    expect(verify().firstBadSeq).toBe(5);
  });

  it('refuses edits and deletes of audit rows through SQL', async () => {
    h = harness();
    await traffic();
    expect(() => h.db.prepare(`UPDATE gov_audit SET reason = 'x' WHERE seq = 2`).run()).toThrow(/append-only/);
    expect(() => h.db.prepare('DELETE FROM gov_audit WHERE seq = 2').run()).toThrow(/append-only/);
    expect(verify().ok).toBe(true);
  });

  it('masks card numbers, SSNs, tokens and secret-named arguments, and leaves clean values untouched', () => {
    const mask = createMasker(DEFAULT_MASK);
    const clean = { device_id: 'line-1/pump-03', params: { reduction_pct: 50 }, tags: ['a', 'b'] };
    expect(mask(clean)).toBe(clean);
    expect(
      mask({ note: 'card 4111-1111-1111-1111, ssn 123-45-6789', nested: [{ password: 'hunter2' }], bearer: 'afa_abcdefghijklmnopqrstuvwxyz012345' }),
    ).toEqual({ note: 'card [masked], ssn [masked]', nested: [{ password: '[masked]' }], bearer: '[masked]' });
  });

  it('writes the hand-made row content exactly as RFC 8785 would', () => {
    const row = {
      seq: 3,
      ts: 1764417600000,
      kind: 'REVIEW',
      agent_id: 'a"b',
      tool: 'execute_device_command',
      decision: 'REVIEW',
      reason: 'needs\nreview €',
      rule_id: null,
      policy_version: 'abc',
      approval_id: 'apr_1',
      actor: 'gateway',
      args_hash: 'f'.repeat(64),
      args_masked: '{"x":1}',
      detail: null,
    };
    expect(rowContentCanonical(row)).toBe(canonicalize(row));
  });

  it('exports JSONL rows since a time plus the signed head', async () => {
    h = harness();
    await traffic();
    h.clock.advance(60_000);
    await h.gateway.authorize({ agentId: 'diag', tool: 'get_device_status' });
    const lines: string[] = [];
    const r = h.gateway.audit.export(h.clock.now(), (l) => lines.push(l));
    expect(r.rows).toBe(1);
    const last = JSON.parse(lines[lines.length - 1]) as { type: string; seq: number; signature: string };
    expect(last).toMatchObject({ type: 'head', seq: 13 });
    expect(JSON.parse(lines[0])).toMatchObject({ type: 'row', seq: 13, tool: 'get_device_status' });
    expect(fs.existsSync(`${h.dir}/keys/gateway-ed25519.pub.pem`)).toBe(true);
  });

  it('masks rows an older version stored in clear on export, says so, and the chain still verifies', async () => {
    h = harness();
    // Rows written without masking (as before finding 9), into the same chain.
    const old = new AuditLog(h.db, h.clock, { signEvery: 0, mask: (v) => v });
    old.append({
      kind: 'ALLOWED',
      agentId: 'diag',
      tool: 'log_incident_report',
      reason: 'ok',
      args: { root_cause: 'password=hunter2-Orchid-77, key sk-proj-Zq8RkV2mN5tY7wX1bC4dF6gH9jK3lP0s' },
    });
    await h.gateway.authorize({ agentId: 'nobody', tool: 'get_device_status', args: { device_id: 'line-1/pump-03' } });
    const lines: string[] = [];
    h.gateway.audit.export(0, (l) => lines.push(l));
    const text = lines.join('\n');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('sk-proj-');
    const rows = lines.map((l) => JSON.parse(l) as { type: string; tool?: string; args?: unknown; maskedOnExport?: boolean });
    expect(rows.filter((r) => r.maskedOnExport)).toEqual([
      expect.objectContaining({ type: 'row', tool: 'log_incident_report', args: { root_cause: 'password=[masked], key [masked]' } }),
    ]);
    expect(rows.filter((r) => r.type === 'row').length).toBeGreaterThan(1);
    expect(verify().ok).toBe(true);
  });

  it('pages through the log with filters', async () => {
    h = harness();
    await traffic();
    const all = h.gateway.audit.query({ agentId: 'diag', tool: 'get_device_status' });
    expect(all).toHaveLength(4);
    expect(all.every((r) => r.agentId === 'diag' && r.tool === 'get_device_status')).toBe(true);
    const page1 = h.gateway.audit.query({ agentId: 'diag', tool: 'get_device_status', limit: 2 });
    const page2 = h.gateway.audit.query({ agentId: 'diag', tool: 'get_device_status', limit: 2, beforeSeq: page1[1].seq });
    expect([...page1, ...page2].map((r) => r.seq)).toEqual(all.map((r) => r.seq));
    expect(h.gateway.audit.query({ kind: 'APPROVED' })).toHaveLength(1);
    const blocks = h.gateway.audit.query({ decision: 'BLOCK' });
    expect(blocks.length).toBeGreaterThan(0);
    expect(blocks.every((r) => r.decision === 'BLOCK')).toBe(true);
    expect(h.gateway.audit.query({ from: h.clock.now() + 1 })).toHaveLength(0);
  });

  it('group-commits concurrent decisions and gives every one its row', async () => {
    h = harness();
    h.gateway.addAgent({ id: 'diag', name: 'diag', role: 'assistant' });
    const before = h.gateway.audit.count();
    const rs = await Promise.all(Array.from({ length: 50 }, (_, i) => h.gateway.authorize({ agentId: 'diag', tool: 'get_device_status', args: { n: i } })));
    expect(rs.every((r) => r.decision === 'ALLOW')).toBe(true);
    expect(h.gateway.audit.count()).toBe(before + 50);
    expect(verify().ok).toBe(true);
  });

  it('never forks the chain when another process appends between queueing and commit', async () => {
    h = harness();
    h.gateway.audit.enqueue({ kind: 'ALLOWED', agentId: 'a', tool: 't' });
    const otherDb = new Database(h.dbFile);
    const other = new AuditLog(otherDb, manualClock(1), { signEvery: 0, mask: (v) => v });
    other.append({ kind: 'KILLED', agentId: 'a', actor: 'cli' });
    otherDb.close();
    await h.gateway.audit.settled();
    const kinds = h.gateway.audit.query({ limit: 3 }).map((r) => r.kind);
    expect(kinds).toEqual(['ALLOWED', 'KILLED', 'POLICY_LOADED']);
    expect(verify().ok).toBe(true);
  });
});
