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
//
// This file is the chain itself: its row kinds, the canonical text a row's hash covers, the signed
// head's text, and the view people read. audit.ts writes and reads the log, audit-verify.ts checks it.
import type { AuditRowView } from '../../../shared/governance';
import { sha256Hex } from './canonical';

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
  /** An operator trusted a connector's server certificate (OPC UA): connector, thumbprint, subject in detail. */
  'CERT_TRUSTED',
  /** A row of the master alarm table changed (before / after in the detail). */
  'ALARM_TABLE_CHANGED',
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
export const VERIFY_SELECT =
  'SELECT seq, ts, kind, agent_id, tool, decision, reason, rule_id, policy_version, approval_id, actor, args_hash, args_masked, detail, prev_hash, hash FROM gov_audit ORDER BY seq';
export type RawRow = [number, number, string, ...Array<string | null>];

/** rowHash over a raw row array (verify reads arrays: no object per row). Same text as rowContentCanonical. */
export function rawRowHash(prevHash: string, r: RawRow): string {
  const v = r as unknown as Array<string | number | null>;
  return sha256Hex(
    `${prevHash}\n{"actor":${j(v[10])},"agent_id":${j(v[3])},"approval_id":${j(v[9])},` +
      `"args_hash":${j(v[11])},"args_masked":${j(v[12])},"decision":${j(v[5])},` +
      `"detail":${j(v[13])},"kind":${j(v[2])},"policy_version":${j(v[8])},` +
      `"reason":${j(v[6])},"rule_id":${j(v[7])},"seq":${j(v[0])},"tool":${j(v[4])},"ts":${j(v[1])}}`,
  );
}

export function headText(seq: number, hash: string, ts: number, keyId: string): string {
  return `aegisflow-audit-head:v1:${seq}:${hash}:${ts}:${keyId}`;
}

/** A reason is free text (refusals quote agent input): masked like the arguments. */
export function maskReason(mask: (v: unknown) => unknown, reason: string): string {
  const m = mask(reason);
  return typeof m === 'string' ? m : reason;
}

export function toView(r: AuditRowRaw): AuditRowView {
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
