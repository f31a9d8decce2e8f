// The master alarm table (ISA-18.2 rationalization): the model's seed (table-seed.ts) with the stored
// edits over it, per alarm id. Edits survive a restart and a model reload; an edit whose alarm the new
// model no longer has is kept and listed as orphaned. The alarm system reads a row at each raise, so an
// edit applies from the next raise and never rewrites an alarm already raised.
import type { AlarmTableRow } from '../../../shared/schemas/alarm-table';
import { CoreError, operatorOf, type CoreApi } from '../api';
import type { EventBus } from '../bus';
import type { Clock } from '../clock';
import type { Db, Migration } from '../store';
import type { Rationale } from './record';
import { ANOMALY_BASIS, basisOf, priorityOf, seedRows, type ManualSections, type SeedModel } from './table-seed';

export const alarmTableMigrations: Migration[] = [
  {
    id: 'alarms-002-master-table',
    up: (db) => {
      db.exec(`
        CREATE TABLE alarm_master (
          id TEXT PRIMARY KEY,
          data TEXT NOT NULL,
          changed_by TEXT NOT NULL,
          changed_at INTEGER NOT NULL
        );
      `);
    },
  },
];

/** What an edit may change; the rest of a row comes from the model. */
const EDITABLE = ['consequence', 'action', 'reference', 'severity', 'respond_min', 'class'] as const;
type Editable = (typeof EDITABLE)[number];
export type AlarmTableEdit = Partial<Pick<AlarmTableRow, Editable>>;

export interface TableModelSource {
  readonly current: { model: SeedModel };
  onChange(fn: (m: { model: SeedModel }) => void): () => void;
}

export interface AlarmTableDeps {
  db: Db;
  clock: Clock;
  bus?: EventBus;
  model: TableModelSource;
  manual: ManualSections;
  /** One audit row per change (the composition root writes it into the audit chain). */
  audit?: (e: { actor: string; reason: string; detail: Record<string, unknown> }) => void;
}

interface Stored {
  edit: AlarmTableEdit;
  changed_by: string;
  changed_at: number;
}

/** A row with an edit over it (a bare edit, for an alarm the model no longer has, on a placeholder). */
function apply(seed: AlarmTableRow | undefined, id: string, s: Stored): AlarmTableRow {
  const base: AlarmTableRow = seed ?? {
    id,
    source: id.includes(':') ? id.slice(0, id.lastIndexOf(':')) : id,
    tag: null,
    type: 'system',
    kind: 'system',
    setpoint: null,
    unit: '',
    severity: null,
    respond_min: null,
    priority: null,
    priority_basis: ANOMALY_BASIS,
    consequence: null,
    action: null,
    reference: null,
    class: 'system',
    changed_by: null,
    changed_at: null,
    orphaned: true,
  };
  const r: AlarmTableRow = { ...base, ...s.edit, changed_by: s.changed_by, changed_at: s.changed_at };
  // anomaly alarms keep their episode's priority (and its rule for unsure hits): severity / time do not apply
  if (r.kind !== 'anomaly' && r.severity && r.respond_min !== null) {
    r.priority = priorityOf(r.severity, r.respond_min);
    r.priority_basis = basisOf(r.severity, r.respond_min);
  }
  return r;
}

export class AlarmTable {
  private seedCache: { model: SeedModel; rows: Map<string, AlarmTableRow> } | null = null;
  private readonly edits = new Map<string, Stored>();

  constructor(private readonly d: AlarmTableDeps) {
    for (const r of d.db.prepare('SELECT id, data, changed_by, changed_at FROM alarm_master').all() as Array<{
      id: string;
      data: string;
      changed_by: string;
      changed_at: number;
    }>) {
      try {
        this.edits.set(r.id, { edit: JSON.parse(r.data) as AlarmTableEdit, changed_by: r.changed_by, changed_at: r.changed_at });
      } catch {
        // a damaged row is skipped: that alarm falls back to its seed
      }
    }
  }

  /** The seed of the model in force (rebuilt when a reload hands a new model). */
  private seed(): Map<string, AlarmTableRow> {
    const model = this.d.model.current.model;
    if (this.seedCache?.model !== model) this.seedCache = { model, rows: new Map(seedRows(model, this.d.manual).map((r) => [r.id, r])) };
    return this.seedCache.rows;
  }

  get(id: string): AlarmTableRow | null {
    const seed = this.seed().get(id);
    const s = this.edits.get(id);
    if (s) return apply(seed, id, s);
    return seed ?? null;
  }

  /** Every row of the model in force, then the orphaned edits. */
  list(): AlarmTableRow[] {
    const seed = this.seed();
    const rows = [...seed.values()].map((r) => this.get(r.id) ?? r);
    for (const [id, s] of this.edits) if (!seed.has(id)) rows.push(apply(undefined, id, s));
    return rows;
  }

  /** What the alarm system puts into an alarm at its raise; null: no row (the raiser's own text stands). */
  rationale(id: string): Rationale | null {
    const r = this.get(id);
    if (!r || r.orphaned) return null;
    if (r.kind === 'anomaly') return { consequence: r.consequence, action: r.action, byMode: true };
    return { ...(r.priority ? { priority: r.priority } : {}), consequence: r.consequence, action: r.action };
  }

  update(id: string, edit: AlarmTableEdit, who: string, reason: string): AlarmTableRow {
    const before = this.get(id);
    if (!before) throw new CoreError('not_found', `no alarm ${id} in the master alarm table`);
    const keys = EDITABLE.filter((k) => edit[k] !== undefined);
    if (!keys.length) throw new CoreError('invalid_params', 'nothing to change: give consequence, action, reference, severity, respond_min or class');
    if (before.kind === 'anomaly' && (edit.severity !== undefined || edit.respond_min !== undefined))
      throw new CoreError(
        'invalid_params',
        "an anomaly alarm's priority follows its episode's severity and confidence: severity and time to respond do not apply",
      );
    const prev = this.edits.get(id)?.edit ?? {};
    const next: AlarmTableEdit = { ...prev, ...Object.fromEntries(keys.map((k) => [k, edit[k]])) };
    const stored: Stored = { edit: next, changed_by: who, changed_at: this.d.clock.now() };
    this.d.db
      .prepare(
        `INSERT INTO alarm_master (id, data, changed_by, changed_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET data = excluded.data, changed_by = excluded.changed_by, changed_at = excluded.changed_at`,
      )
      .run(id, JSON.stringify(next), who, stored.changed_at);
    this.edits.set(id, stored);
    const after = apply(this.seed().get(id), id, stored);
    const pick = (r: AlarmTableRow) => Object.fromEntries(([...EDITABLE, 'priority'] as const).map((k) => [k, r[k]]));
    this.d.audit?.({ actor: who, reason, detail: { alarm_id: id, before: pick(before), after: pick(after) } });
    this.d.bus?.emit('alarmTable.changed', after);
    return after;
  }
}

export function registerAlarmTableApi(api: CoreApi, table: AlarmTable): void {
  api.register('alarmTable.list', () => table.list());
  api.register('alarmTable.update', ({ id, reason, ...edit }, c) => table.update(id, edit, operatorOf(c).name, reason));
}
