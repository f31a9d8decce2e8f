// Verifying an exported audit file (JSONL from `aegisflow audit export` or the UI's Export): every row's
// link to the row before and its hash, and the signed head line at the end against the gateway's public
// key. Needs no database: what compliance is handed can be checked on its own.
import type { KeyObject } from 'node:crypto';
import { GENESIS_HASH, headText, rowHash } from './audit-chain';
import { canonicalize } from './canonical';
import { loadPublicKey, verifyText } from './keys';

export interface ExportVerifyResult {
  ok: boolean;
  rows: number;
  /** Row the signed head covers (null when the file has none). */
  headSeq: number | null;
  /** Rows masked again on export: linked, but their hash covers the stored text (not checkable here). */
  remasked: number;
  /** 1-based line of the first problem. */
  line: number | null;
  problem: string | null;
}

interface RowLine {
  type: 'row';
  seq: number;
  ts: number;
  kind: string;
  agentId: string | null;
  tool: string | null;
  decision: string | null;
  reason: string | null;
  ruleId: string | null;
  policyVersion: string | null;
  approvalId: string | null;
  actor: string | null;
  argsHash: string | null;
  args: unknown;
  detail: unknown;
  prevHash: string;
  hash: string;
  maskedOnExport?: boolean;
}

interface HeadLine {
  type: 'head';
  seq?: number;
  hash?: string;
  ts?: number;
  keyId?: string;
  signature?: string;
}

// The stored args_masked and detail are canonical JSON texts; parsed on export, canonical again here.
const stored = (v: unknown): string | null => (v === null || v === undefined ? null : canonicalize(v));

export function verifyExport(text: string, publicKey: KeyObject | null): ExportVerifyResult {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const out: ExportVerifyResult = { ok: false, rows: 0, headSeq: null, remasked: 0, line: null, problem: null };
  const fail = (line: number, problem: string) => ({ ...out, ok: false, line, problem });
  let prev: RowLine | null = null;
  for (let i = 0; i < lines.length; i++) {
    let obj: RowLine | HeadLine;
    try {
      obj = JSON.parse(lines[i]) as RowLine | HeadLine;
    } catch {
      return fail(i + 1, `line ${i + 1} is not JSON`);
    }
    if (obj.type === 'head') {
      if (i !== lines.length - 1) return fail(i + 1, 'the signed head is not the last line');
      if (obj.seq === undefined || !obj.hash || obj.ts === undefined || !obj.keyId || !obj.signature) return fail(i + 1, 'the export has no signed head');
      out.headSeq = obj.seq;
      if (!publicKey) return fail(i + 1, 'no public key to check the signed head');
      if (!verifyText(publicKey, headText(obj.seq, obj.hash, obj.ts, obj.keyId), obj.signature)) return fail(i + 1, 'the signed head has an invalid signature');
      if (!prev) return { ...out, ok: true };
      if (obj.seq !== prev.seq || obj.hash !== prev.hash)
        return fail(i + 1, `the signed head (row ${obj.seq}) does not cover the last exported row (${prev.seq}): rows cut off or altered`);
      return { ...out, ok: true };
    }
    if (obj.type !== 'row') return fail(i + 1, `line ${i + 1} is neither a row nor the head`);
    const r = obj;
    if (prev && r.seq !== prev.seq + 1) return fail(i + 1, `row ${prev.seq + 1} is missing (next row is ${r.seq})`);
    if (prev ? r.prevHash !== prev.hash : r.seq === 1 && r.prevHash !== GENESIS_HASH)
      return fail(i + 1, `row ${r.seq} does not link to row ${r.seq - 1} (rows deleted, inserted or reordered)`);
    if (r.maskedOnExport) out.remasked++;
    else {
      const h = rowHash(r.prevHash, {
        seq: r.seq,
        ts: r.ts,
        kind: r.kind,
        agent_id: r.agentId,
        tool: r.tool,
        decision: r.decision,
        reason: r.reason,
        rule_id: r.ruleId,
        policy_version: r.policyVersion,
        approval_id: r.approvalId,
        actor: r.actor,
        args_hash: r.argsHash,
        args_masked: stored(r.args),
        detail: stored(r.detail),
      });
      if (h !== r.hash) return fail(i + 1, `row ${r.seq} was altered (its content no longer matches its hash)`);
    }
    out.rows++;
    prev = r;
  }
  return fail(lines.length, 'the export has no signed head line (not a complete export)');
}

/** verifyExport with the gateway's public key from its keys dir (`<data-dir>/keys`): what the CLI runs. */
export function verifyExportFile(text: string, keysDir: string): ExportVerifyResult {
  return verifyExport(text, loadPublicKey(keysDir)?.publicKey ?? null);
}
