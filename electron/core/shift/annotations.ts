// Operator annotations on the trends (issue 18): a note pinned to a plant time on a device (or one of its
// tags), written by the logged-in operator, kept beside the logbook and shown to every connected UI at
// once (`annotation.added`). Like logbook notes they are masked and not audited: they are the operators'
// words, not decisions on the plant.
import crypto from 'node:crypto';
import type { Annotation } from '../../../shared/schemas/shift';
import { CoreError, operatorOf, type CoreApi } from '../api';
import type { EventBus } from '../bus';
import type { Clock } from '../clock';
import type { Masker } from '../observability';
import type { Db, Migration } from '../store';

export const annotationMigration: Migration = {
  id: 'shift-002-annotations',
  up: (db) => {
    db.exec(`
      CREATE TABLE annotations (
        id TEXT PRIMARY KEY,
        ts INTEGER NOT NULL,
        plant_ts INTEGER NOT NULL,
        device_id TEXT NOT NULL,
        tag TEXT,
        author TEXT NOT NULL,
        text TEXT NOT NULL
      );
      CREATE INDEX annotations_device_plant ON annotations (device_id, plant_ts);
      CREATE INDEX annotations_ts ON annotations (ts);
    `);
  },
};

interface Row {
  id: string;
  ts: number;
  plant_ts: number;
  device_id: string;
  tag: string | null;
  author: string;
  text: string;
}

const annotationOf = (r: Row): Annotation => ({ id: r.id, ts: r.ts, plantTs: r.plant_ts, deviceId: r.device_id, tag: r.tag, author: r.author, text: r.text });

export interface AnnotationPorts {
  /** The tag keys of a device the plant model knows, undefined for a device it does not. */
  tagsOf(deviceId: string): readonly string[] | undefined;
}

export class Annotations {
  constructor(private readonly d: { db: Db; clock: Clock; bus: EventBus; mask: Masker; ports: AnnotationPorts }) {}

  add(author: string, p: { plantTs: number; deviceId: string; tag?: string; text: string }): Annotation {
    const tags = this.d.ports.tagsOf(p.deviceId);
    if (!tags) throw new CoreError('invalid_params', `deviceId: no device ${p.deviceId} in the plant model`);
    if (p.tag !== undefined && !tags.includes(p.tag)) throw new CoreError('invalid_params', `tag: ${p.deviceId} has no tag ${p.tag}`);
    const row: Row = {
      id: `ann_${crypto.randomBytes(6).toString('hex')}`,
      ts: this.d.clock.now(),
      plant_ts: p.plantTs,
      device_id: p.deviceId,
      tag: p.tag ?? null,
      author,
      text: this.d.mask.text(p.text),
    };
    this.d.db
      .prepare('INSERT INTO annotations (id, ts, plant_ts, device_id, tag, author, text) VALUES (@id, @ts, @plant_ts, @device_id, @tag, @author, @text)')
      .run(row);
    const a = annotationOf(row);
    this.d.bus.emit('annotation.added', a);
    return a;
  }

  list(q: { deviceIds?: string[]; from?: number; to?: number; limit?: number } = {}): Annotation[] {
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (q.deviceIds) {
      if (q.deviceIds.length === 0) return [];
      where.push(`device_id IN (${q.deviceIds.map(() => '?').join(', ')})`);
      args.push(...q.deviceIds);
    }
    if (q.from !== undefined) {
      where.push('plant_ts >= ?');
      args.push(q.from);
    }
    if (q.to !== undefined) {
      where.push('plant_ts <= ?');
      args.push(q.to);
    }
    const sql = `SELECT * FROM annotations ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY plant_ts DESC, ts DESC LIMIT ?`;
    return (this.d.db.prepare(sql).all(...args, q.limit ?? 500) as Row[]).map(annotationOf);
  }

  /** Written since this wall time, oldest first (the handover's list). */
  since(ts: number): Annotation[] {
    return (this.d.db.prepare('SELECT * FROM annotations WHERE ts >= ? ORDER BY ts ASC LIMIT 1000').all(ts) as Row[]).map(annotationOf);
  }
}

export function registerAnnotationsApi(api: CoreApi, annotations: Annotations): void {
  // The author is the caller's session, never a parameter (the params are strict: an `author` key is refused).
  api.register('annotations.add', (p, c) => annotations.add(operatorOf(c).name, p));
  api.register('annotations.list', (p) => annotations.list(p));
}
