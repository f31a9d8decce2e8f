// Tables owned by the MCP subsystem: every tool call as the server saw it, and the incident reports
// agents write as long-term memory (seed 000: log_incident_report / get_incident_reports).
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
];
