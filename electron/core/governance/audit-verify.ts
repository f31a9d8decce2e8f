// Verifying the audit chain: every row's link and hash, every signed head's signature, and rows cut
// off after a signed head. Reads only; names the first row that fails, and the unsigned tail.
import type { KeyObject } from 'node:crypto';
import type { AuditVerifyResult } from '../../../shared/governance';
import { GENESIS_HASH, headText, rawRowHash, type RawRow } from './audit-chain';
import { verifyText } from './keys';

/** A signed head as stored. */
export interface HeadRow {
  seq: number;
  hash: string;
  ts: number;
  key_id: string;
  signature: string;
}

/** `rows_`: every row in seq order, as raw arrays (VERIFY_SELECT); `heads`: every signed head. */
export function verifyChain(rows_: Iterable<RawRow>, heads: HeadRow[], publicKey: KeyObject | null): AuditVerifyResult {
  const t0 = performance.now();
  const headBySeq = new Map(heads.map((h) => [h.seq, h]));
  let expected = 1;
  let prev = GENESIS_HASH;
  let rows = 0;
  let bad: { seq: number; problem: string } | null = null;
  const problems: Array<{ seq: number; problem: string }> = [];
  const lastSigned = heads.reduce((m, h) => Math.max(m, h.seq), 0);
  let tail: { rows: number; fromSeq: number; fromTs: number; toTs: number } | null = null;
  for (const r of rows_) {
    rows++;
    if (r[0] > lastSigned) {
      const ts = r[1];
      if (!tail) tail = { rows: 0, fromSeq: r[0], fromTs: ts, toTs: ts };
      tail.rows++;
      tail.toTs = ts;
    }
    if (bad) continue; // keep counting rows; the first break is what matters
    const seq = r[0];
    const hash = r[15] as string;
    if (seq !== expected) {
      bad = seq > expected ? { seq: expected, problem: `row ${expected} is missing (next row is ${seq})` } : { seq, problem: `row ${seq} is out of order` };
      continue;
    }
    if (r[14] !== prev) {
      bad = { seq, problem: `row ${seq} does not link to row ${seq - 1} (rows deleted, inserted or reordered)` };
      continue;
    }
    if (rawRowHash(prev, r) !== hash) {
      bad = { seq, problem: `row ${seq} was altered (its content no longer matches its hash)` };
      continue;
    }
    const h = headBySeq.get(seq);
    if (h && h.hash !== hash) {
      bad = { seq, problem: `row ${seq} differs from the signed head at that row (chain rewritten)` };
      continue;
    }
    prev = hash;
    expected++;
  }
  if (bad) problems.push(bad);
  const lastSeq = expected - 1;
  for (const h of heads) {
    if (!publicKey) {
      problems.push({ seq: h.seq, problem: 'no public key to check signed heads' });
      break;
    }
    if (!verifyText(publicKey, headText(h.seq, h.hash, h.ts, h.key_id), h.signature)) {
      problems.push({ seq: h.seq, problem: `signed head at row ${h.seq} has an invalid signature` });
      break;
    }
    if (!bad && h.seq > lastSeq) {
      problems.push({ seq: lastSeq + 1, problem: `rows ${lastSeq + 1}..${h.seq} were deleted (a signed head covers row ${h.seq})` });
      break;
    }
  }
  problems.sort((a, b) => a.seq - b.seq);
  const first = problems[0] ?? null;
  return {
    ok: first === null,
    rows,
    signedHeads: heads.length,
    firstBadSeq: first?.seq ?? null,
    problem: first?.problem ?? null,
    ms: performance.now() - t0,
    unsignedTail: tail,
  };
}
