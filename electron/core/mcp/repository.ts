// SQL of the MCP subsystem, prepared once: tool_calls (one row per tools/call) and incidents.
import { randomUUID } from 'node:crypto';
import type { IncidentView } from '../../../shared/contract';
import type { McpToolCallView } from '../../../shared/mcp';
import type { Db } from '../store';
import { defaultMasker, maskText, type Masker } from '../observability';

/** One row per tools/call: the same shape the control room reads (shared/mcp.ts). */
export type ToolCallRow = McpToolCallView;
export type NewToolCall = Omit<ToolCallRow, 'id'>;

export interface ToolCallRepository {
  /**
   * Queue a row. Rows queued in one turn of the event loop are written together, in one transaction,
   * right after it (setImmediate): a commit per call would cost far more, and a longer timer would
   * stall the loop with big batches and keep every row alive long enough to burden the GC.
   */
  insert(row: NewToolCall): void;
  /** Write queued rows now (reads flush first, and the service flushes on stop). */
  flush(): void;
  recent(opts?: { agentId?: string; tool?: string; limit?: number; beforeId?: number }): ToolCallRow[];
  count(): number;
}

interface DbToolCall extends Omit<ToolCallRow, 'args' | 'is_error'> {
  args_json: string | null;
  is_error: number;
}

function argsJson(args: unknown): string | null {
  if (args === undefined) return null;
  try {
    const s = JSON.stringify(args);
    return s.length > 8000 ? JSON.stringify({ _truncated: true, head: s.slice(0, 4000) }) : s;
  } catch {
    return JSON.stringify({ _unrecordable: true });
  }
}

/**
 * Rows are masked on write (args, tool name, error: all agent input), so the file never holds a
 * secret an agent sent, and masked again on read (rows an older version wrote).
 */
export function createToolCallRepository(db: Db, opts: { maxQueue?: number; mask?: Masker } = {}): ToolCallRepository {
  const maxQueue = opts.maxQueue ?? 500;
  const mask = opts.mask ?? defaultMasker;
  const insert = db.prepare(
    `INSERT INTO tool_calls (ts, agent_id, tool, args_json, decision, rule_id, approval_id, status, latency_ms, wait_ms, result_bytes, is_error, error, transport)
     VALUES (@ts, @agent_id, @tool, @args_json, @decision, @rule_id, @approval_id, @status, @latency_ms, @wait_ms, @result_bytes, @is_error, @error, @transport)`,
  );
  const recent = db.prepare<[string | null, string | null, string | null, string | null, number, number], DbToolCall>(
    `SELECT * FROM tool_calls WHERE (? IS NULL OR agent_id = ?) AND (? IS NULL OR tool = ?) AND id < ? ORDER BY id DESC LIMIT ?`,
  );
  const count = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM tool_calls');
  let queue: Array<Record<string, unknown>> = [];
  let scheduled: NodeJS.Immediate | null = null;
  const writeAll = db.transaction((rows: Array<Record<string, unknown>>) => {
    for (const r of rows) insert.run(r);
  });
  const flush = () => {
    if (scheduled) clearImmediate(scheduled);
    scheduled = null;
    if (queue.length === 0) return;
    const rows = queue;
    queue = [];
    writeAll(rows);
  };
  return {
    insert(row) {
      const { args, is_error, ...rest } = row;
      queue.push({
        ...rest,
        tool: mask.text(row.tool),
        args_json: argsJson(mask(args)),
        is_error: is_error ? 1 : 0,
        error: row.error ? mask.text(row.error.slice(0, 2000)) : null,
      });
      if (queue.length >= maxQueue) flush();
      else if (!scheduled) {
        scheduled = setImmediate(() => {
          try {
            flush();
          } catch {
            // the database closed under us (shutdown): the last rows are lost, the call itself is not
          }
        });
      }
    },
    flush,
    recent(opts = {}) {
      flush();
      const limit = Math.min(Math.max(opts.limit ?? 100, 1), 1000);
      const a = opts.agentId ?? null;
      const t = opts.tool ?? null;
      return recent.all(a, a, t, t, opts.beforeId ?? Number.MAX_SAFE_INTEGER, limit).map(({ args_json, is_error, ...r }) => ({
        ...r,
        tool: mask.text(r.tool),
        args: args_json ? mask(JSON.parse(args_json) as unknown) : undefined,
        is_error: is_error === 1,
        error: maskText(mask, r.error),
      }));
    },
    count: () => {
      flush();
      return count.get()!.n;
    },
  };
}

/** An incident report as stored and as the control room lists it (shared/contract.ts). */
export type Incident = IncidentView;
export type NewIncident = Omit<Incident, 'id' | 'ts'>;

export interface IncidentQuery {
  /** Exact device id, or a line ("line-1") for every device on it. */
  device_id?: string;
  /** Only devices matching one of these globs (an agent's scope, e.g. "line-2/*"); undefined = all. */
  scope?: string[];
  anomaly_type?: string;
  /** Words that must all appear in the report (title, cause, actions, outcome, lessons). */
  text?: string;
  limit?: number;
  offset?: number;
}

export interface IncidentRepository {
  add(input: NewIncident, ts: number): Incident;
  get(id: string): Incident | null;
  search(q: IncidentQuery): { items: Incident[]; total: number };
}

interface DbIncident extends Omit<Incident, 'manual_sections'> {
  manual_sections: string | null;
  search_text: string;
}

const toIncident = ({ manual_sections, search_text: _s, ...r }: DbIncident): Incident => ({
  ...r,
  manual_sections: manual_sections ? (JSON.parse(manual_sections) as string[]) : [],
});

/** Escape LIKE wildcards so a search for "50%" means the text "50%". */
const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Reports are agent text: every free-text field is masked on write (and the search text built from that). */
export function createIncidentRepository(db: Db, opts: { mask?: Masker } = {}): IncidentRepository {
  const mask = opts.mask ?? defaultMasker;
  // Also applied on read: reports an older version stored unmasked are shown masked.
  const maskIncident = <T extends NewIncident>(i: T): T => ({
    ...i,
    anomaly_id: maskText(mask, i.anomaly_id),
    title: mask.text(i.title),
    root_cause: mask.text(i.root_cause),
    actions_taken: mask.text(i.actions_taken),
    outcome: maskText(mask, i.outcome),
    lessons_learned: maskText(mask, i.lessons_learned),
    manual_sections: mask(i.manual_sections) as string[],
  });
  const insert = db.prepare(
    `INSERT INTO incidents (id, ts, agent_id, device_id, anomaly_id, anomaly_type, severity, title, root_cause, actions_taken, outcome, lessons_learned, manual_sections, search_text)
     VALUES (@id, @ts, @agent_id, @device_id, @anomaly_id, @anomaly_type, @severity, @title, @root_cause, @actions_taken, @outcome, @lessons_learned, @manual_sections, @search_text)`,
  );
  const get = db.prepare<[string], DbIncident>('SELECT * FROM incidents WHERE id = ?');
  // Up to 8 words, each must match; unused slots are NULL. One statement, prepared once.
  const WORDS = 8;
  const where = `(@device IS NULL OR device_id = @device OR device_id LIKE @line ESCAPE '\\')
     AND (@scope IS NULL OR EXISTS (SELECT 1 FROM json_each(@scope) WHERE incidents.device_id GLOB json_each.value))
     AND (@type IS NULL OR anomaly_type = @type)
     ${Array.from({ length: WORDS }, (_, i) => `AND (@w${i} IS NULL OR search_text LIKE @w${i} ESCAPE '\\')`).join('\n     ')}`;
  const search = db.prepare<Record<string, unknown>, DbIncident>(`SELECT * FROM incidents WHERE ${where} ORDER BY ts DESC, id LIMIT @limit OFFSET @offset`);
  const total = db.prepare<Record<string, unknown>, { n: number }>(`SELECT COUNT(*) AS n FROM incidents WHERE ${where}`);
  return {
    add(clear, ts) {
      const id = `inc_${randomUUID().slice(0, 8)}`;
      const input = maskIncident(clear);
      const search_text = [
        input.device_id,
        input.anomaly_type,
        input.severity,
        input.title,
        input.root_cause,
        input.actions_taken,
        input.outcome,
        input.lessons_learned,
      ]
        .filter(Boolean)
        .join('\n')
        .toLowerCase();
      insert.run({ ...input, id, ts, manual_sections: JSON.stringify(input.manual_sections), search_text });
      return this.get(id)!;
    },
    get(id) {
      const r = get.get(id);
      return r ? maskIncident(toIncident(r)) : null;
    },
    search(q) {
      const words = (q.text ?? '').toLowerCase().match(/[\p{L}\p{N}_./-]+/gu) ?? [];
      const params: Record<string, unknown> = {
        device: q.device_id ?? null,
        line: q.device_id && !q.device_id.includes('/') ? `${likeEscape(q.device_id)}/%` : null,
        scope: q.scope ? JSON.stringify(q.scope) : null,
        type: q.anomaly_type ?? null,
        limit: Math.min(Math.max(q.limit ?? 10, 1), 100),
        offset: Math.max(q.offset ?? 0, 0),
      };
      for (let i = 0; i < WORDS; i++) params[`w${i}`] = words[i] ? `%${likeEscape(words[i])}%` : null;
      const { limit: _l, offset: _o, ...countParams } = params;
      return { items: search.all(params).map((r) => maskIncident(toIncident(r))), total: total.get(countParams)!.n };
    },
  };
}
