// The operator logbook and the shift handover (issue 18). Entries are timestamped on both clocks, carry
// the operator and links (alarms, devices, approvals, annotations), and are masked like every stored
// text. A handover report gathers what the incoming operator must know — open and shelved alarms (with
// expiry), pending approvals, agents stopped and calls blocked during the shift, open anomaly episodes,
// the shift's notes — as Markdown; the incoming operator (not its author) acknowledges it.
import crypto from 'node:crypto';
import type { Alarm } from '../../../shared/schemas/anomalies';
import type { Handover, LogEntry, LogLinks } from '../../../shared/schemas/shift';
import type { AgentView, ApprovalView } from '../../../shared/governance';
import { CoreError, operatorOf, type CoreApi } from '../api';
import type { EventBus } from '../bus';
import type { Clock } from '../clock';
import type { Masker } from '../observability';
import type { Db, Migration } from '../store';
import { annotationMigration, type Annotations } from './annotations';

export { Annotations, registerAnnotationsApi, type AnnotationPorts } from './annotations';

export const shiftMigrations: Migration[] = [
  {
    id: 'shift-001-logbook-handover',
    up: (db) => {
      db.exec(`
        CREATE TABLE log_entries (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          ts INTEGER NOT NULL,
          plant_ts INTEGER,
          operator TEXT NOT NULL,
          text TEXT NOT NULL,
          links_json TEXT NOT NULL
        );
        CREATE INDEX log_entries_ts ON log_entries (ts);
        CREATE TABLE handovers (
          id TEXT PRIMARY KEY,
          created_at INTEGER NOT NULL,
          plant_ts INTEGER,
          created_by TEXT NOT NULL,
          markdown TEXT NOT NULL,
          counts_json TEXT NOT NULL,
          acked_at INTEGER,
          acked_by TEXT
        );
        CREATE INDEX handovers_created ON handovers (created_at);
      `);
    },
  },
  annotationMigration,
];

/** What the handover reads from the rest of the core, as plain functions (the composition root fills them). */
export interface ShiftPorts {
  alarms(): Alarm[];
  pendingApprovals(): ApprovalView[];
  agents(): AgentView[];
  /** Calls the gateway BLOCKed since this wall time. */
  blockedSince(ts: number): Array<{ ts: number; agentId: string | null; tool: string | null; reason: string | null }>;
  openEpisodes(): Array<{ id: string; device_id: string; type_hint: string; severity: string; start_ts: number }>;
  /** The plant clock now, when there is one. */
  plantNow(): number | null;
}

interface EntryRow {
  id: number;
  ts: number;
  plant_ts: number | null;
  operator: string;
  text: string;
  links_json: string;
}
interface HandoverRow {
  id: string;
  created_at: number;
  plant_ts: number | null;
  created_by: string;
  markdown: string;
  counts_json: string;
  acked_at: number | null;
  acked_by: string | null;
}

const entryOf = (r: EntryRow): LogEntry => ({
  id: r.id,
  ts: r.ts,
  plantTs: r.plant_ts,
  operator: r.operator,
  text: r.text,
  links: JSON.parse(r.links_json) as LogLinks,
});
const handoverOf = (r: HandoverRow): Handover => ({
  id: r.id,
  createdAt: r.created_at,
  plantTs: r.plant_ts,
  createdBy: r.created_by,
  markdown: r.markdown,
  counts: JSON.parse(r.counts_json) as Handover['counts'],
  ackedAt: r.acked_at,
  ackedBy: r.acked_by,
});

const iso = (ms: number | null) => (ms === null ? '—' : new Date(ms).toISOString().replace('T', ' ').slice(0, 16));
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s+/g, ' ');

export class Shift {
  constructor(private readonly d: { db: Db; clock: Clock; bus: EventBus; mask: Masker; ports: ShiftPorts; annotations?: Annotations }) {}

  add(operator: string, text: string, links: LogLinks = {}): LogEntry {
    const row = {
      ts: this.d.clock.now(),
      plant_ts: this.d.ports.plantNow(),
      operator,
      // A note may quote a password or a token by mistake: stored masked, like every stored text.
      text: this.d.mask.text(text),
      links_json: JSON.stringify(links),
    };
    const info = this.d.db
      .prepare('INSERT INTO log_entries (ts, plant_ts, operator, text, links_json) VALUES (@ts, @plant_ts, @operator, @text, @links_json)')
      .run(row);
    const e = entryOf({ id: Number(info.lastInsertRowid), ...row });
    this.d.bus.emit('logbook.entry', e);
    return e;
  }

  list(limit = 200, before?: number): LogEntry[] {
    const rows =
      before === undefined
        ? this.d.db.prepare('SELECT * FROM log_entries ORDER BY id DESC LIMIT ?').all(limit)
        : this.d.db.prepare('SELECT * FROM log_entries WHERE ts < ? ORDER BY id DESC LIMIT ?').all(before, limit);
    return (rows as EntryRow[]).map(entryOf);
  }

  handovers(limit = 20): Handover[] {
    return (this.d.db.prepare('SELECT * FROM handovers ORDER BY created_at DESC LIMIT ?').all(limit) as HandoverRow[]).map(handoverOf);
  }

  /** The shift began at the last acknowledged handover (or with the logbook). */
  private shiftStart(): number {
    const r = this.d.db.prepare('SELECT MAX(acked_at) AS t FROM handovers WHERE acked_at IS NOT NULL').get() as { t: number | null };
    return r.t ?? 0;
  }

  create(operator: string, note?: string): Handover {
    const now = this.d.clock.now();
    const since = this.shiftStart();
    const p = this.d.ports;
    const alarms = p.alarms();
    const open = alarms.filter((a) => a.state !== 'normal' && a.state !== 'shelved' && a.state !== 'out_of_service');
    const shelved = alarms.filter((a) => a.state === 'shelved');
    const oos = alarms.filter((a) => a.state === 'out_of_service');
    const pending = p.pendingApprovals();
    const stopped = p.agents().filter((a) => a.status !== 'active');
    const blocked = p.blockedSince(since);
    const episodes = p.openEpisodes();
    const notes = this.list(1000).filter((e) => e.ts >= since);
    const lines: string[] = [];
    lines.push(`# Shift handover — ${iso(p.plantNow() ?? now)} plant time`);
    lines.push('', `Prepared by ${operator} at ${iso(now)} (wall clock). Covers the shift since ${since ? iso(since) : 'the logbook began'}.`);
    if (note?.trim()) lines.push('', `> ${this.d.mask.text(note.trim()).replace(/\n/g, '\n> ')}`);
    lines.push('', `## Open alarms (${open.length})`);
    if (!open.length) lines.push('', 'None.');
    else {
      lines.push('', '| priority | alarm | state | since | message |', '|---|---|---|---|---|');
      for (const a of [...open].sort((x, y) => x.priority.localeCompare(y.priority)))
        lines.push(`| ${a.priority} | ${cell(a.id)} | ${a.state} | ${iso(a.activated_at)} | ${cell(a.message)} |`);
    }
    lines.push('', `## Shelved and out-of-service alarms (${shelved.length + oos.length})`);
    if (!shelved.length && !oos.length) lines.push('', 'None.');
    else {
      lines.push('', '| alarm | state | by | reason | until |', '|---|---|---|---|---|');
      for (const a of shelved) lines.push(`| ${cell(a.id)} | shelved | ${a.shelved_by ?? '—'} | ${cell(a.shelve_reason ?? '')} | ${iso(a.shelved_until)} |`);
      for (const a of oos) lines.push(`| ${cell(a.id)} | out of service | ${a.oos_by ?? '—'} | ${cell(a.oos_reason ?? '')} | — |`);
    }
    lines.push('', `## Pending approvals (${pending.length})`);
    if (!pending.length) lines.push('', 'None.');
    else
      for (const a of pending) lines.push(`- ${a.id}: ${a.agentId} asks ${a.tool} ${cell(JSON.stringify(a.args)).slice(0, 200)} — expires ${iso(a.deadline)}`);
    lines.push('', `## Agents (${stopped.length} stopped, ${blocked.length} calls blocked this shift)`);
    if (!stopped.length) lines.push('', 'Every agent active.');
    else for (const a of stopped) lines.push(`- ${a.name} (${a.id}): ${a.status}${a.statusReason ? ` — ${cell(a.statusReason)}` : ''}`);
    for (const b of blocked.slice(0, 20)) lines.push(`- blocked ${iso(b.ts)}: ${b.agentId ?? '—'} ${b.tool ?? ''} — ${cell(b.reason ?? '')}`);
    if (blocked.length > 20) lines.push(`- … and ${blocked.length - 20} more blocked calls (Audit pane)`);
    lines.push('', `## Open anomaly episodes (${episodes.length})`);
    if (!episodes.length) lines.push('', 'None.');
    else for (const e of episodes) lines.push(`- ${e.device_id}: ${e.type_hint}, ${e.severity}, since ${iso(e.start_ts)}`);
    lines.push('', `## Logbook this shift (${notes.length})`);
    if (!notes.length) lines.push('', 'No notes.');
    else for (const e of [...notes].reverse()) lines.push(`- ${iso(e.plantTs ?? e.ts)} ${e.operator}: ${cell(e.text)}`);
    const pinned = this.d.annotations?.since(since) ?? [];
    if (pinned.length) {
      lines.push('', `## Annotations on the trends this shift (${pinned.length})`, '');
      for (const a of pinned) lines.push(`- ${iso(a.plantTs)} ${a.deviceId}${a.tag ? `/${a.tag}` : ''} — ${a.author}: ${cell(a.text)}`);
    }
    const counts = {
      openAlarms: open.length,
      shelvedAlarms: shelved.length,
      pendingApprovals: pending.length,
      stoppedAgents: stopped.length,
      blockedCalls: blocked.length,
      openEpisodes: episodes.length,
      notes: notes.length,
    };
    const row: HandoverRow = {
      id: `ho_${crypto.randomBytes(6).toString('hex')}`,
      created_at: now,
      plant_ts: p.plantNow(),
      created_by: operator,
      markdown: lines.join('\n') + '\n',
      counts_json: JSON.stringify(counts),
      acked_at: null,
      acked_by: null,
    };
    this.d.db
      .prepare(
        'INSERT INTO handovers (id, created_at, plant_ts, created_by, markdown, counts_json, acked_at, acked_by) VALUES (@id, @created_at, @plant_ts, @created_by, @markdown, @counts_json, @acked_at, @acked_by)',
      )
      .run(row);
    const h = handoverOf(row);
    this.d.bus.emit('handover.changed', h);
    return h;
  }

  ack(id: string, operator: string): Handover {
    const r = this.d.db.prepare('SELECT * FROM handovers WHERE id = ?').get(id) as HandoverRow | undefined;
    if (!r) throw new CoreError('not_found', `no handover ${id}`);
    if (r.acked_at !== null) throw new CoreError('already_decided', `handover ${id} was acknowledged by ${r.acked_by ?? '?'}`);
    if (r.created_by === operator) throw new CoreError('forbidden', `the incoming operator acknowledges a handover, not its author (${operator})`);
    const at = this.d.clock.now();
    this.d.db.prepare('UPDATE handovers SET acked_at = ?, acked_by = ? WHERE id = ? AND acked_at IS NULL').run(at, operator, id);
    const h = handoverOf({ ...r, acked_at: at, acked_by: operator });
    this.d.bus.emit('handover.changed', h);
    return h;
  }
}

export function registerShiftApi(api: CoreApi, shift: Shift): void {
  api.register('logbook.add', (p, c) => shift.add(operatorOf(c).name, p.text, p.links ?? {}));
  api.register('logbook.list', (p) => shift.list(p.limit ?? 200, p.before));
  api.register('handover.create', (p, c) => shift.create(operatorOf(c).name, p.note));
  api.register('handover.list', (p) => shift.handovers(p.limit ?? 20));
  api.register('handover.ack', (p, c) => shift.ack(p.id, operatorOf(c).name));
}
