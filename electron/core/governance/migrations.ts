// Governance tables. All prefixed gov_ so they never collide with other subsystems' tables.
import type { Migration } from '../store';

// gov_approvals as gov-003 created it (after its kind column); gov-006 rebuilds the table with the same
// columns plus three. Both migrations have shipped: never edit these, add a migration instead.
const APPROVAL_COLUMNS_003 = `
          agent_id TEXT NOT NULL,
          tool TEXT NOT NULL,
          args_json TEXT NOT NULL,
          args_hash TEXT NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('pending','approved','rejected','expired','cancelled')),
          reason TEXT NOT NULL,
          rule_id TEXT NOT NULL,
          policy_version TEXT NOT NULL,
          risk REAL NOT NULL,
          approver_role TEXT,
          created_at INTEGER NOT NULL,
          deadline INTEGER NOT NULL,
          decided_at INTEGER,
          decided_by TEXT,
          comment TEXT,
          plan_id TEXT,
          token_issued INTEGER NOT NULL DEFAULT 0`.slice(1);
const APPROVAL_INDEXES = `CREATE INDEX gov_approvals_status ON gov_approvals (status, deadline);
        CREATE INDEX gov_approvals_agent ON gov_approvals (agent_id, status);`;

export const governanceMigrations: Migration[] = [
  {
    id: 'gov-001-agents',
    up: (db) => {
      db.exec(`
        CREATE TABLE gov_agents (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          role TEXT NOT NULL,
          model TEXT,
          created_at INTEGER NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('active','paused','quarantined')),
          status_reason TEXT,
          token_hash TEXT NOT NULL UNIQUE,
          last_seen INTEGER,
          scope_json TEXT NOT NULL DEFAULT '{}',
          reduced_autonomy INTEGER NOT NULL DEFAULT 0,
          revoked_tools_json TEXT NOT NULL DEFAULT '[]'
        );
      `);
    },
  },
  {
    id: 'gov-002-audit',
    up: (db) => {
      db.exec(`
        CREATE TABLE gov_audit (
          seq INTEGER PRIMARY KEY,
          ts INTEGER NOT NULL,
          kind TEXT NOT NULL,
          agent_id TEXT,
          tool TEXT,
          decision TEXT,
          reason TEXT,
          rule_id TEXT,
          policy_version TEXT,
          approval_id TEXT,
          actor TEXT,
          args_hash TEXT,
          args_masked TEXT,
          detail TEXT,
          prev_hash TEXT NOT NULL,
          hash TEXT NOT NULL
        );
        CREATE INDEX gov_audit_ts ON gov_audit (ts);
        CREATE INDEX gov_audit_agent ON gov_audit (agent_id, seq);
        CREATE TABLE gov_audit_heads (
          seq INTEGER PRIMARY KEY,
          hash TEXT NOT NULL,
          ts INTEGER NOT NULL,
          key_id TEXT NOT NULL,
          signature TEXT NOT NULL
        );
      `);
    },
  },
  {
    id: 'gov-003-approvals-plans-tokens',
    up: (db) => {
      db.exec(`
        CREATE TABLE gov_approvals (
          id TEXT PRIMARY KEY,
          kind TEXT NOT NULL CHECK (kind IN ('call','plan')),
${APPROVAL_COLUMNS_003}
        );
        ${APPROVAL_INDEXES}
        CREATE TABLE gov_plans (
          id TEXT PRIMARY KEY,
          agent_id TEXT NOT NULL,
          hash TEXT NOT NULL,
          rationale TEXT NOT NULL,
          steps_json TEXT NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('pending','approved','blocked','rejected','expired','cancelled','done')),
          approval_id TEXT,
          next_step INTEGER NOT NULL DEFAULT 0,
          created_at INTEGER NOT NULL
        );
        CREATE TABLE gov_used_jti (
          jti TEXT PRIMARY KEY,
          exp INTEGER NOT NULL
        );
        CREATE INDEX gov_used_jti_exp ON gov_used_jti (exp);
      `);
    },
  },
  {
    // The UI filters the audit by kind, and the gateway looks up the last POLICY_LOADED at start.
    id: 'gov-004-audit-kind-index',
    up: (db) => {
      db.exec('CREATE INDEX gov_audit_kind ON gov_audit (kind, seq)');
    },
  },
  {
    // Append-only by construction: no code path of the app can edit or delete an audit row. (Someone
    // with the file can drop these triggers; the hash chain and signed heads are what catch that.)
    id: 'gov-005-audit-append-only',
    up: (db) => {
      db.exec(`
        CREATE TRIGGER gov_audit_no_update BEFORE UPDATE ON gov_audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER gov_audit_no_delete BEFORE DELETE ON gov_audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
      `);
    },
  },
  {
    // Approvals bounded by authority (issue 13, finding 5) and one approval queue (finding 12):
    // collect_by (an approved call must be collected by then), collected_at (its token was issued),
    // used_at (the executor redeemed it, or the immune system acted on it); kind 'healing'.
    // SQLite cannot change a CHECK constraint in place, so the table is rebuilt. Approvals whose
    // token was collected before this migration count as used: their history is not rewritten.
    id: 'gov-006-approvals-authority',
    up: (db) => {
      db.exec(`
        CREATE TABLE gov_approvals_new (
          id TEXT PRIMARY KEY,
          kind TEXT NOT NULL CHECK (kind IN ('call','plan','healing')),
${APPROVAL_COLUMNS_003},
          collect_by INTEGER,
          collected_at INTEGER,
          used_at INTEGER
        );
        INSERT INTO gov_approvals_new (id, kind, agent_id, tool, args_json, args_hash, status, reason, rule_id, policy_version, risk,
            approver_role, created_at, deadline, decided_at, decided_by, comment, plan_id, token_issued, collect_by, collected_at, used_at)
          SELECT id, kind, agent_id, tool, args_json, args_hash, status, reason, rule_id, policy_version, risk,
            approver_role, created_at, deadline, decided_at, decided_by, comment, plan_id, token_issued,
            CASE WHEN status = 'approved' THEN decided_at END,
            CASE WHEN token_issued = 1 THEN decided_at END,
            CASE WHEN token_issued = 1 THEN decided_at END
          FROM gov_approvals;
        DROP TABLE gov_approvals;
        ALTER TABLE gov_approvals_new RENAME TO gov_approvals;
        ${APPROVAL_INDEXES}
      `);
    },
  },
  {
    // Two-person rule (issue 13): a REVIEW rule may need `approvals: N` distinct operators. Each
    // approval is kept with who gave it and when; the row turns approved with the N-th.
    id: 'gov-007-two-person-rule',
    up: (db) => {
      db.exec(`
        ALTER TABLE gov_approvals ADD COLUMN required_approvals INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE gov_approvals ADD COLUMN approvals_json TEXT NOT NULL DEFAULT '[]';
      `);
    },
  },
];
