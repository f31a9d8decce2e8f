// Operator accounts. Sessions live in memory only: a restart asks everyone to log in again.
import type { Migration } from '../store';

export const operatorMigrations: Migration[] = [
  {
    id: 'ops-001-operators',
    up: (db) => {
      db.exec(`
        CREATE TABLE ops_operators (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL UNIQUE COLLATE NOCASE,
          roles_json TEXT NOT NULL,
          credential TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL,
          last_login INTEGER
        );
      `);
    },
  },
];
