// Tamper-evident audit log: an append-only SQLite table in which every row holds the hash of the
// previous row, and the chain head is signed (Ed25519) every N rows and on shutdown. The chain's text
// is in audit-chain.ts and its verification in audit-verify.ts; this is the log: writing (group commit,
// chained inside the write transaction, signed heads) and reading (queries, export).
import { neutralizeDeep } from '../../../shared/text';
import type { KeyObject } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { AuditQuery, AuditRowView, AuditVerifyResult } from '../../../shared/governance';
import type { Clock } from '../clock';
import type { Db } from '../store';
import {
  GENESIS_HASH,
  headText,
  maskReason,
  rowHash,
  toView,
  VERIFY_SELECT,
  type AuditEntry,
  type AuditKind,
  type AuditRowRaw,
  type RawRow,
  type SignedHead,
} from './audit-chain';
import { verifyChain } from './audit-verify';
import { canonicalize, sha256Hex } from './canonical';
import { signText } from './keys';

export { AUDIT_KINDS, GENESIS_HASH, rowContentCanonical, rowHash, type AuditEntry, type AuditKind, type AuditRowRaw, type SignedHead } from './audit-chain';
// The masker lives in observability/mask.ts (every store of agent input uses it); re-exported here
// for the audit's older callers.
export { createMasker, DEFAULT_MASK, MASK, type MaskOptions } from '../observability';

interface Pending {
  kind: AuditKind;
  content: Omit<AuditRowRaw, 'prev_hash' | 'hash'>;
}

/** Rows per group-commit transaction at most (bounds how long the write lock is held). */
const MAX_BATCH = 1000;

export interface AuditLogOptions {
  /** Sign the head every this many rows (0 = only on demand and shutdown). */
  signEvery: number;
  mask: (value: unknown) => unknown;
  /** Absent in read-only tools (verify): they never sign. */
  privateKey?: KeyObject;
  keyId?: string;
  onAppend?: (row: { seq: number; kind: AuditKind; agentId: string | null; tool: string | null; decision: string | null; ts: number }) => void;
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
    return this.q.count.get()?.n ?? 0;
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
    return verifyChain(this.q.iterate.iterate(), this.q.heads.all(), publicKey);
  }

  /** Write rows with ts >= since as JSONL (one AuditRowView per line), then the signed head line. */
  export(since: number, writeLine: (line: string) => void): { rows: number; head: SignedHead | null } {
    this.flush(); // rows queued now are exported too, so the head signed below is the last exported row's
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
