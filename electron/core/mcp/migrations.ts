// Tables owned by the MCP subsystem: every tool call as the server saw it, and the incident reports
// agents write as long-term memory (seed 000: log_incident_report / get_incident_reports), and the
// durable pending calls (issue 20) a gated call becomes while it waits for an operator.
import type { Migration } from '../store';

export const mcpMigrations: Migration[] = [
  {
    id: 'mcp-001-tool-calls',
    up: (db) => {
      db.exec(`
        CREATE TABLE tool_calls (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          ts INTEGER NOT NULL,
          agent_id TEXT,
          tool TEXT NOT NULL,
          args_json TEXT,
          decision TEXT NOT NULL,
          rule_id TEXT,
          approval_id TEXT,
          status TEXT NOT NULL,
          latency_ms REAL NOT NULL,
          wait_ms REAL NOT NULL DEFAULT 0,
          result_bytes INTEGER NOT NULL DEFAULT 0,
          is_error INTEGER NOT NULL DEFAULT 0,
          error TEXT,
          transport TEXT
        );
        CREATE INDEX tool_calls_agent_ts ON tool_calls (agent_id, ts);
        CREATE INDEX tool_calls_ts ON tool_calls (ts);
      `);
    },
  },
  {
    id: 'mcp-002-incidents',
    up: (db) => {
      db.exec(`
        CREATE TABLE incidents (
          id TEXT PRIMARY KEY,
          ts INTEGER NOT NULL,
          agent_id TEXT,
          device_id TEXT NOT NULL,
          anomaly_id TEXT,
          anomaly_type TEXT,
          severity TEXT NOT NULL,
          title TEXT NOT NULL,
          root_cause TEXT NOT NULL,
          actions_taken TEXT NOT NULL,
          outcome TEXT,
          lessons_learned TEXT,
          manual_sections TEXT,
          search_text TEXT NOT NULL
        );
        CREATE INDEX incidents_device_ts ON incidents (device_id, ts);
        CREATE INDEX incidents_ts ON incidents (ts);
      `);
    },
  },
  {
    // One row per gated call waiting for (or settled by) an operator: an MCP task of either era and the
    // record a plain retry attaches to. At most one working row per action digest (the unique index).
    id: 'mcp-003-pending-calls',
    up: (db) => {
      db.exec(`
        CREATE TABLE mcp_pending_calls (
          id TEXT PRIMARY KEY,
          digest TEXT,
          agent_id TEXT NOT NULL,
          tool TEXT NOT NULL,
          policy_version TEXT NOT NULL,
          rule_id TEXT NOT NULL,
          approval_id TEXT,
          status TEXT NOT NULL CHECK (status IN ('working', 'completed', 'failed', 'cancelled')),
          status_message TEXT NOT NULL,
          outcome TEXT,
          result_json TEXT,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL,
          deadline INTEGER,
          settled_at INTEGER,
          ttl_ms INTEGER NOT NULL
        );
        CREATE UNIQUE INDEX mcp_pending_calls_working ON mcp_pending_calls (digest) WHERE status = 'working';
        CREATE INDEX mcp_pending_calls_digest ON mcp_pending_calls (digest, created_at);
        CREATE INDEX mcp_pending_calls_approval ON mcp_pending_calls (approval_id);
        CREATE INDEX mcp_pending_calls_agent ON mcp_pending_calls (agent_id, created_at);
      `);
    },
  },
];
