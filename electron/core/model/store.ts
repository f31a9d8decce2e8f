// The plant model in force. Loaded at start (a missing or bad model refuses to start: the plant is
// never "no tags"), reloaded when the file changes with the policy's fail-safe: a bad edit is refused
// with line numbers and the previous model stays in force. Readers get the whole model or the old one.
import fs from 'node:fs';
import type { PlantModelView, AssetView, TagView } from '../../../shared/schemas/model';
import type { ConnectorSettings } from '../../../shared/schemas/connectors';
import type { Logger } from '../observability';
import { formatProblems, type YamlProblem } from '../yaml';
import { loadModelFile, parseModel } from './load';

export type ModelLoadEvent =
  | { ok: true; version: string; previousVersion: string | null; file: string; assets: number; tags: number }
  | { ok: false; file: string; problems: YamlProblem[]; keptVersion: string | null };

export interface ModelIndex {
  model: PlantModelView;
  asset(deviceId: string): AssetView | undefined;
  tag(tagId: string): TagView | undefined;
  deviceIds: readonly string[];
  /** Each connector's settings (shared/schemas/connectors.ts), secrets included: never sent to a UI. */
  connectors: readonly ConnectorSettings[];
}

export function indexModel(model: PlantModelView, connectors: readonly ConnectorSettings[] = []): ModelIndex {
  const assets = new Map(model.assets.map((a) => [a.id, a]));
  const tags = new Map(model.assets.flatMap((a) => a.tags.map((t) => [t.id, t] as const)));
  return { model, asset: (id) => assets.get(id), tag: (id) => tags.get(id), deviceIds: model.assets.map((a) => a.id), connectors };
}

export class ModelLoadError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly YamlProblem[],
  ) {
    super(`plant model ${file} refused:\n${formatProblems(file, problems)}`);
    this.name = 'ModelLoadError';
  }
}

export interface ModelStoreOptions {
  file: string;
  watch: boolean;
  debounceMs?: number;
  log: Logger;
  onLoad?: (ev: ModelLoadEvent) => void;
}

export class ModelStore {
  private index: ModelIndex | null = null;
  private watcher: fs.FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly listeners = new Set<(m: ModelIndex) => void>();

  constructor(private readonly opts: ModelStoreOptions) {}

  get file(): string {
    return this.opts.file;
  }

  /** The model in force. Throws before the first successful load (start refuses on a bad model). */
  get current(): ModelIndex {
    if (!this.index) throw new Error('no plant model loaded');
    return this.index;
  }

  /** First load: throws ModelLoadError on any problem, so nothing starts half-configured. */
  loadOrThrow(): ModelIndex {
    const ev = this.load();
    if (!ev.ok) throw new ModelLoadError(this.opts.file, ev.problems);
    return this.current;
  }

  load(): ModelLoadEvent {
    return this.apply(loadModelFile(this.opts.file));
  }

  /** Install a model from text (tests); same validation as the file. */
  loadText(text: string): ModelLoadEvent {
    return this.apply(parseModel(text, this.opts.file));
  }

  /** Called with the new model after every accepted reload. Returns the unsubscribe. */
  onChange(fn: (m: ModelIndex) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  startWatching(): void {
    if (!this.opts.watch || this.watcher) return;
    try {
      this.watcher = fs.watch(this.opts.file, () => {
        if (this.timer) clearTimeout(this.timer);
        this.timer = setTimeout(() => this.load(), this.opts.debounceMs ?? 250);
      });
      this.watcher.on('error', (err) => this.opts.log.warn({ err, file: this.opts.file }, 'plant model watcher failed; edits need a restart'));
    } catch (err) {
      this.opts.log.warn({ err, file: this.opts.file }, 'cannot watch the plant model; edits need a restart');
    }
  }

  stop(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private apply(r: ReturnType<typeof parseModel>): ModelLoadEvent {
    const file = this.opts.file;
    if (!r.ok) {
      const ev: ModelLoadEvent = { ok: false, file, problems: r.problems, keptVersion: this.index?.model.version ?? null };
      this.opts.log.error(
        { file, problems: formatProblems(file, r.problems) },
        this.index ? 'plant model refused; the previous model stays in force' : 'plant model refused',
      );
      this.opts.onLoad?.(ev);
      return ev;
    }
    const previousVersion = this.index?.model.version ?? null;
    const next = indexModel(r.model, r.connectors);
    this.index = next;
    const tags = r.model.assets.reduce((n, a) => n + a.tags.length, 0);
    const ev: ModelLoadEvent = { ok: true, version: r.model.version, previousVersion, file, assets: r.model.assets.length, tags };
    if (previousVersion !== r.model.version) {
      this.opts.log.info({ file, version: r.model.version, assets: ev.assets, tags }, 'plant model loaded');
      if (previousVersion !== null) for (const fn of this.listeners) fn(next);
    }
    this.opts.onLoad?.(ev);
    return ev;
  }
}
