// Tamper-evident audit log: an append-only SQLite table in which every row holds the hash of the
// previous row, and the chain head is signed (Ed25519) every N rows and on shutdown.
//
//   hash(row) = SHA-256( prev_hash + "\n" + JCS({seq, ts, kind, agent_id, tool, decision, reason,
//                        rule_id, policy_version, approval_id, actor, args_hash, args_masked, detail}) )
//
// args_hash is the SHA-256 of the canonical JSON of the *real* arguments, so the chain proves what
// was asked; args_masked is the copy people see (sensitive values replaced), also chained so nobody
// can quietly edit what is displayed. Editing, deleting or reordering rows breaks the chain; rewriting
// the whole chain after an edit breaks the signature of the next signed head.
import { neutralizeDeep } from '../../../shared/text';
import type { KeyObject } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { AuditQuery, AuditRowView, AuditVerifyResult } from '../../../shared/governance';
import type { Clock } from '../clock';
import type { Db } from '../store';
import { canonicalize, sha256Hex } from './canonical';
import { signText, verifyText } from './keys';

export const GENESIS_HASH = '0'.repeat(64);

export const AUDIT_KINDS = [
  'ALLOWED',
  'BLOCKED',
  'REVIEW',
  'APPROVED',
  /** Two-person rule: one operator's approval of several; the request still waits. */
  'APPROVED_PARTIAL',
  'REJECTED',
  'EXPIRED',
  'CANCELLED',
  'TOKEN_ISSUED',
  'EXECUTED',
  /** The device verified the command and refused it (bad parameters, wrong state, bad token): its reason. */
  'DEVICE_REFUSED',
  /** No acknowledgement from the device within governance.ackTimeoutMs: the effect is unknown. */
  'NO_ACK',
  'EXECUTION_FAILED',
  'REFUSED',
  'KILLED',
  'REVIVED',
  'QUARANTINED',
  'AGENT_ADDED',
  'AGENT_REMOVED',
  'AGENT_CHANGED',
  'TOKEN_ROTATED',
  'PLAN_SUBMITTED',
  'POLICY_LOADED',
  'POLICY_REFUSED',
  'POLICY_PROMOTED',
] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

export interface AuditEntry {
  kind: AuditKind;
  agentId?: string | null;
  tool?: string | null;
  decision?: string | null;
  reason?: string | null;
  ruleId?: string | null;
  policyVersion?: string | null;
  approvalId?: string | null;
  /** Who acted: an operator's name, 'gateway', 'cli', 'immune'. */
  actor?: string | null;
  /** The real arguments: hashed for the chain, masked for display. */
  args?: unknown;
  /** Precomputed hash of the real arguments (when the caller already has it). */
  argsHash?: string | null;
  detail?: Record<string, unknown> | null;
}

export interface AuditRowRaw {
  seq: number;
  ts: number;
  kind: string;
  agent_id: string | null;
  tool: string | null;
  decision: string | null;
  reason: string | null;
  rule_id: string | null;
  policy_version: string | null;
  approval_id: string | null;
  actor: string | null;
  args_hash: string | null;
  args_masked: string | null;
  detail: string | null;
  prev_hash: string;
  hash: string;
}

interface Pending {
  kind: AuditKind;
  content: Omit<AuditRowRaw, 'prev_hash' | 'hash'>;
}

/** Rows per group-commit transaction at most (bounds how long the write lock is held). */
const MAX_BATCH = 1000;

export interface SignedHead {
  seq: number;
  hash: string;
  ts: number;
  keyId: string;
  signature: string;
}

const j = (v: string | number | null): string => (v === null ? 'null' : JSON.stringify(v));

/**
 * The JCS text of a row's content, written out by hand in JCS key order (all members are strings,
 * integers or null, so this equals canonicalize(content); a test holds it to that). Hand-written
 * because verify runs it for every row of the chain.
 */
export function rowContentCanonical(r: Omit<AuditRowRaw, 'prev_hash' | 'hash'>): string {
  return (
    `{"actor":${j(r.actor)},"agent_id":${j(r.agent_id)},"approval_id":${j(r.approval_id)},` +
    `"args_hash":${j(r.args_hash)},"args_masked":${j(r.args_masked)},"decision":${j(r.decision)},` +
    `"detail":${j(r.detail)},"kind":${j(r.kind)},"policy_version":${j(r.policy_version)},` +
    `"reason":${j(r.reason)},"rule_id":${j(r.rule_id)},"seq":${j(r.seq)},"tool":${j(r.tool)},"ts":${j(r.ts)}}`
  );
}

export function rowHash(prevHash: string, r: Omit<AuditRowRaw, 'prev_hash' | 'hash'>): string {
  return sha256Hex(`${prevHash}\n${rowContentCanonical(r)}`);
}

/** Column order of VERIFY_SELECT's raw rows. */
const VERIFY_SELECT =
  'SELECT seq, ts, kind, agent_id, tool, decision, reason, rule_id, policy_version, approval_id, actor, args_hash, args_masked, detail, prev_hash, hash FROM gov_audit ORDER BY seq';
type RawRow = [number, number, string, ...Array<string | null>];

/** rowHash over a raw row array (verify reads arrays: no object per row). Same text as rowContentCanonical. */
function rawRowHash(prevHash: string, r: RawRow): string {
  const v = r as unknown as Array<string | number | null>;
  return sha256Hex(
    `${prevHash}\n{"actor":${j(v[10])},"agent_id":${j(v[3])},"approval_id":${j(v[9])},` +
      `"args_hash":${j(v[11])},"args_masked":${j(v[12])},"decision":${j(v[5])},` +
      `"detail":${j(v[13])},"kind":${j(v[2])},"policy_version":${j(v[8])},` +
      `"reason":${j(v[6])},"rule_id":${j(v[7])},"seq":${j(v[0])},"tool":${j(v[4])},"ts":${j(v[1])}}`,
  );
}

function headText(seq: number, hash: string, ts: number, keyId: string): string {
  return `aegisflow-audit-head:v1:${seq}:${hash}:${ts}:${keyId}`;
}

// ---------------------------------------------------------------- masking

// The masker lives in observability/mask.ts (every store of agent input uses it); re-exported here
// for the audit's older callers.
export { createMasker, DEFAULT_MASK, MASK, type MaskOptions } from '../observability';

/** A reason is free text (refusals quote agent input): masked like the arguments. */
function maskReason(mask: (v: unknown) => unknown, reason: string): string {
  const m = mask(reason);
  return typeof m === 'string' ? m : reason;
}

// ---------------------------------------------------------------- the log

export interface AuditLogOptions {
  /** Sign the head every this many rows (0 = only on demand and shutdown). */
  signEvery: number;
  mask: (value: unknown) => unknown;
  /** Absent in read-only tools (verify): they never sign. */
  privateKey?: KeyObject;
  keyId?: string;
  onAppend?: (row: { seq: number; kind: AuditKind; agentId: string | null; tool: string | null; decision: string | null; ts: number }) => void;
}

function toView(r: AuditRowRaw): AuditRowView {
  const parse = (s: string | null): unknown => {
    if (s === null) return null;
    try {
      return JSON.parse(s);
    } catch {
      return s;
    }
  };
  return {
    seq: r.seq,
    ts: r.ts,
    kind: r.kind,
    agentId: r.agent_id,
    tool: r.tool,
    decision: r.decision,
    reason: r.reason,
    ruleId: r.rule_id,
    policyVersion: r.policy_version,
    approvalId: r.approval_id,
    actor: r.actor,
    argsHash: r.args_hash,
    args: parse(r.args_masked),
    detail: parse(r.detail),
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

export class AuditLog {
  private readonly q;
  private readonly flushTx: Database.Transaction<(rows: Pending[]) => Array<{ seq: number; hash: string }>>;
  private pending: Pending[] = [];
  private batch: { promise: Promise<void>; resolve: () => void; reject: (err: Error) => void } | null = null;
  private flushScheduled = false;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly opts: AuditLogOptions,
  ) {
    this.q = {
      last: db.prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM gov_audit ORDER BY seq DESC LIMIT 1'),
      insert: db.prepare(
        // Positional parameters: measurably cheaper than named ones on the append path.
        `INSERT INTO gov_audit (seq, ts, kind, agent_id, tool, decision, reason, rule_id, policy_version, approval_id, actor, args_hash, args_masked, detail, prev_hash, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertHead: db.prepare('INSERT OR REPLACE INTO gov_audit_heads (seq, hash, ts, key_id, signature) VALUES (?, ?, ?, ?, ?)'),
      lastHead: db.prepare<[], { seq: number }>('SELECT seq FROM gov_audit_heads ORDER BY seq DESC LIMIT 1'),
      heads: db.prepare<[], { seq: number; hash: string; ts: number; key_id: string; signature: string }>('SELECT * FROM gov_audit_heads ORDER BY seq'),
      iterate: db.prepare<[], RawRow>(VERIFY_SELECT).raw(true),
      // One statement for every filter combination: a NULL parameter switches its filter off.
      query: db.prepare<Record<string, string | number | null>, AuditRowRaw>(
        `SELECT * FROM gov_audit
         WHERE (@agent IS NULL OR agent_id = @agent) AND (@tool IS NULL OR tool = @tool)
           AND (@kind IS NULL OR kind = @kind) AND (@decision IS NULL OR decision = @decision)
           AND (@from IS NULL OR ts >= @from) AND (@to IS NULL OR ts <= @to)
           AND (@before IS NULL OR seq < @before)
         ORDER BY seq DESC LIMIT @limit`,
      ),
      since: db.prepare<[number], AuditRowRaw>('SELECT * FROM gov_audit WHERE ts >= ? ORDER BY seq'),
      count: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM gov_audit'),
    };
    // Rows are chained inside the write transaction, on top of the head read there: a concurrent
    // writer (the CLI) can never fork the chain, whatever was queued before.
    this.flushTx = db.transaction((rows: Pending[]) => {
      const last = this.q.last.get();
      let seq = last?.seq ?? 0;
      let prev = last?.hash ?? GENESIS_HASH;
      const out: Array<{ seq: number; hash: string }> = [];
      for (const p of rows) {
        seq++;
        const c = p.content;
        c.seq = seq;
        const hash = rowHash(prev, c);
        this.q.insert.run(
          seq,
          c.ts,
          c.kind,
          c.agent_id,
          c.tool,
          c.decision,
          c.reason,
          c.rule_id,
          c.policy_version,
          c.approval_id,
          c.actor,
          c.args_hash,
          c.args_masked,
          c.detail,
          prev,
          hash,
        );
        if (this.opts.signEvery > 0 && seq % this.opts.signEvery === 0) this.signAt(seq, hash);
        out.push({ seq, hash });
        prev = hash;
      }
      return out;
    });
  }

  /** Canonicalise and mask now (the caller's objects may change later); chain at flush time. */
  private prepare(e: AuditEntry): Pending {
    const hasArgs = e.args !== undefined;
    let argsHash = e.argsHash ?? null;
    let argsMasked: string | null = null;
    if (hasArgs) {
      const text = canonicalize(e.args);
      if (argsHash === null) argsHash = sha256Hex(text);
      const masked = this.opts.mask(e.args);
      argsMasked = masked === e.args ? text : canonicalize(masked);
    }
    return {
      kind: e.kind,
      content: {
        seq: 0, // assigned at commit
        ts: this.clock.now(),
        kind: e.kind,
        agent_id: e.agentId ?? null,
        tool: e.tool ?? null,
        decision: e.decision ?? null,
        reason: e.reason == null ? null : maskReason(this.opts.mask, e.reason),
        rule_id: e.ruleId ?? null,
        policy_version: e.policyVersion ?? null,
        approval_id: e.approvalId ?? null,
        actor: e.actor ?? null,
        args_hash: argsHash,
        args_masked: argsMasked,
        detail: e.detail ? canonicalize(this.opts.mask(e.detail)) : null,
      },
    };
  }

  /** Append one row and commit it before returning (with anything queued before it). */
  append(e: AuditEntry): { seq: number; hash: string } {
    this.pending.push(this.prepare(e));
    const out = this.flush();
    return out[out.length - 1];
  }

  /**
   * Group commit: queue a row; it is committed with every other row queued in the same turn of the
   * event loop, in one transaction (what makes a burst of concurrent agent calls cheap: SQLite's
   * cost is per commit, not per row). Await `settled()` before acting on what the row records.
   */
  enqueue(e: AuditEntry): void {
    this.pending.push(this.prepare(e));
    if (!this.batch) {
      let resolve!: () => void;
      let reject!: (err: Error) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      promise.catch(() => {}); // reported through settled(); never an unhandled rejection
      this.batch = { promise, resolve, reject };
    }
    if (this.pending.length >= MAX_BATCH) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        try {
          this.flush();
        } catch {
          // the batch's waiters got the error
        }
      });
    }
  }

  /** Resolves when every row queued so far is committed; rejects if their commit failed. */
  settled(): Promise<void> {
    return this.batch ? this.batch.promise : Promise.resolve();
  }

  /** Commit every queued row now. Returns their seq and hash. */
  flush(): Array<{ seq: number; hash: string }> {
    if (this.pending.length === 0) return [];
    const rows = this.pending;
    const batch = this.batch;
    this.pending = [];
    this.batch = null;
    let out: Array<{ seq: number; hash: string }>;
    try {
      out = this.flushTx.immediate(rows);
    } catch (err) {
      batch?.reject(err as Error);
      throw err;
    }
    batch?.resolve();
    const onAppend = this.opts.onAppend;
    if (onAppend)
      rows.forEach((p, i) =>
        onAppend({ seq: out[i].seq, kind: p.kind, agentId: p.content.agent_id, tool: p.content.tool, decision: p.content.decision, ts: p.content.ts }),
      );
    return out;
  }

  private signAt(seq: number, hash: string): SignedHead | null {
    if (!this.opts.privateKey || !this.opts.keyId) return null;
    const ts = this.clock.now();
    const signature = signText(this.opts.privateKey, headText(seq, hash, ts, this.opts.keyId));
    this.q.insertHead.run(seq, hash, ts, this.opts.keyId, signature);
    return { seq, hash, ts, keyId: this.opts.keyId, signature };
  }

  /** Sign the current head (on shutdown, on export). Null when the log is empty or there is no key. */
  signHead(): SignedHead | null {
    this.flush();
    const last = this.q.last.get();
    if (!last) return null;
    return this.signAt(last.seq, last.hash);
  }

  /** Rows not yet covered by a signed head. */
  unsignedRows(): number {
    this.flush();
    const last = this.q.last.get()?.seq ?? 0;
    const head = this.q.lastHead.get()?.seq ?? 0;
    return last - head;
  }

  count(): number {
    this.flush();
    return this.q.count.get()!.n;
  }

  query(f: AuditQuery = {}): AuditRowView[] {
    this.flush();
    const limit = Math.max(1, Math.min(1000, Math.floor(f.limit ?? 100)));
    return (
      this.q.query
        .all({
          agent: f.agentId ?? null,
          tool: f.tool ?? null,
          kind: f.kind ?? null,
          decision: f.decision ?? null,
          from: f.from ?? null,
          to: f.to ?? null,
          before: f.beforeSeq ?? null,
          limit,
        })
        // What an operator reads: no direction overrides or control characters (the stored row, its hash
        // and the export keep the text as it was).
        .map((r) => neutralizeDeep(toView(r)))
    );
  }

  /** Check every row's link and hash and every signed head. Names the first row that fails. */
  verify(publicKey: KeyObject | null): AuditVerifyResult {
    this.flush();
    const t0 = performance.now();
    const heads = this.q.heads.all();
    const headBySeq = new Map(heads.map((h) => [h.seq, h]));
    let expected = 1;
    let prev = GENESIS_HASH;
    let rows = 0;
    let bad: { seq: number; problem: string } | null = null;
    const problems: Array<{ seq: number; problem: string }> = [];
    const lastSigned = heads.reduce((m, h) => Math.max(m, h.seq), 0);
    let tail: { rows: number; fromSeq: number; fromTs: number; toTs: number } | null = null;
    for (const r of this.q.iterate.iterate()) {
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

  /** Write rows with ts >= since as JSONL (one AuditRowView per line), then the signed head line. */
  export(since: number, writeLine: (line: string) => void): { rows: number; head: SignedHead | null } {
    let rows = 0;
    for (const r of this.q.since.iterate(since)) {
      // Rows are masked on write; rows written before a pattern existed (or by an older version) are
      // masked again on the way out, and say so: their hash covers the text as stored, not as exported.
      const v = toView(r);
      const args = this.opts.mask(v.args);
      const detail = this.opts.mask(v.detail);
      const reason = v.reason === null ? null : maskReason(this.opts.mask, v.reason);
      const remasked = args !== v.args || detail !== v.detail || reason !== v.reason;
      writeLine(JSON.stringify({ type: 'row', ...v, args, detail, reason, ...(remasked ? { maskedOnExport: true } : {}) }));
      rows++;
    }
    const head = this.signHead() ?? this.latestHead();
    writeLine(JSON.stringify({ type: 'head', ...head, text: head ? headText(head.seq, head.hash, head.ts, head.keyId) : null }));
    return { rows, head };
  }

  latestHead(): SignedHead | null {
    const all = this.q.heads.all();
    const h = all[all.length - 1];
    return h ? { seq: h.seq, hash: h.hash, ts: h.ts, keyId: h.key_id, signature: h.signature } : null;
  }
}
