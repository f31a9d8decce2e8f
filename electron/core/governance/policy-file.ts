// The policy file: parse YAML with line positions, validate with zod, report every problem as
// "line:col path: message", hot reload on change (a bad file keeps the policy in force), and write
// promoted rules back without losing the operator's comments.
//
// Fail closed: a missing, unreadable, empty or rule-less file is refused like a bad one (an empty
// policy would turn every BLOCK into the no-rule REVIEW, i.e. approvable). With no valid policy ever
// loaded the store runs FAIL_SAFE_POLICY (read-only tools ALLOW, everything else BLOCK) and says so.
import fs from 'node:fs';
import path from 'node:path';
import YAML, { isMap, isSeq } from 'yaml';
import { SEED_READ_TOOLS } from '../../../shared/mcp';
import type { Logger } from '../observability';
import { formatProblems, parseYaml, zodProblems, type YamlProblem } from '../yaml';
import { compilePolicy, PolicySchema, RuleSchema, type CompiledPolicy, type Rule } from './policy';

export { formatProblems };
export type PolicyProblem = YamlProblem;

export type PolicyParse = { ok: true; policy: CompiledPolicy } | { ok: false; problems: PolicyProblem[] };

/** Parse and validate policy text. Never throws. */
export function parsePolicy(text: string): PolicyParse {
  const y = parseYaml(text);
  if (!y.ok) return y;
  const parsed = PolicySchema.safeParse(y.doc.data);
  if (!parsed.success) return { ok: false, problems: zodProblems(y.doc, parsed.error) };
  if (parsed.data.rules.length === 0)
    return {
      ok: false,
      problems: [y.doc.problem(['rules'], 'the policy has no rules; refused, because no rules would make every blocked command approvable')],
    };
  try {
    return { ok: true, policy: compilePolicy(parsed.data) };
  } catch (err) {
    return { ok: false, problems: [{ line: 1, col: 1, path: '', message: (err as Error).message }] };
  }
}

/** The tools that only read (the bundled policy's `read` group): all the fail-safe policy lets through. */
export const READ_ONLY_TOOLS = [...SEED_READ_TOOLS, 'list_devices', 'get_approval_status'] as const;

/** The built-in policy for a start without a usable policy file: reads ALLOW, everything else BLOCK. */
export const FAIL_SAFE_POLICY: CompiledPolicy = compilePolicy(
  PolicySchema.parse({
    description: 'Built-in fail-safe policy: no usable policy file was found. Read-only tools are allowed; everything else is blocked.',
    defaults: { unmatched: 'BLOCK' },
    tool_groups: { read: [...READ_ONLY_TOOLS] },
    rules: [{ id: 'fail-safe-allow-reads', tool: '@read', decision: 'ALLOW', reason: 'read-only tool (fail-safe policy)' }],
  }),
);

export interface PolicyStoreOptions {
  file: string;
  /** Where promoted rules are written when `file` is the bundled (read-only) default. */
  writableCopy?: string;
  watch: boolean;
  debounceMs: number;
  log: Logger;
  /** Called after every load attempt (initial, reload, promote). */
  onLoad?: (result: PolicyLoadEvent) => void;
}

/** failSafe: the built-in FAIL_SAFE_POLICY is in force; status: why, loudly (null when a real policy is). */
export type PolicyLoadEvent =
  | { ok: true; version: string; previousVersion: string | null; file: string; rules: number; failSafe: false; status: null }
  | { ok: false; file: string; problems: PolicyProblem[]; keptVersion: string | null; failSafe: boolean; status: string | null };

/** Holds the policy in force. `current` is swapped atomically; readers never see a half-loaded policy. */
export class PolicyStore {
  private policy: CompiledPolicy | null = null;
  private watcher: fs.FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastProblems: PolicyProblem[] = [];
  private failSafeStatus: string | null = null;

  constructor(private readonly opts: PolicyStoreOptions) {}

  get file(): string {
    return this.opts.file;
  }

  /** The policy in force. Before a successful load this is the fail-safe policy, never "no rules". */
  get current(): CompiledPolicy {
    if (!this.policy) {
      this.policy = FAIL_SAFE_POLICY;
      this.failSafeStatus ??= `no policy loaded yet; the built-in fail-safe policy is in force (read-only tools ALLOW, everything else BLOCK)`;
    }
    return this.policy;
  }

  get problems(): readonly PolicyProblem[] {
    return this.lastProblems;
  }

  /** True while the built-in fail-safe policy is in force. */
  get failSafe(): boolean {
    return this.failSafeStatus !== null;
  }

  /** Why the fail-safe policy is in force (null when a real policy is). */
  get status(): string | null {
    return this.failSafeStatus;
  }

  /** Load the file now. Returns the problems when it was refused (the previous policy stays). */
  load(): PolicyLoadEvent {
    let text: string;
    try {
      text = fs.readFileSync(this.opts.file, 'utf8');
    } catch (err) {
      return this.refuse([{ line: 1, col: 1, path: '', message: `cannot read policy file: ${(err as Error).message}` }]);
    }
    return this.loadText(text);
  }

  /** Install a policy from text (tests, benches); same validation as the file. */
  loadText(text: string): PolicyLoadEvent {
    const r = parsePolicy(text);
    if (!r.ok) return this.refuse(r.problems);
    const previousVersion = this.policy?.version ?? null;
    const wasFailSafe = this.failSafe;
    this.policy = r.policy;
    this.lastProblems = [];
    this.failSafeStatus = null;
    const ev: PolicyLoadEvent = {
      ok: true,
      version: r.policy.version,
      previousVersion,
      file: this.opts.file,
      rules: r.policy.rules.length,
      failSafe: false,
      status: null,
    };
    if (wasFailSafe) this.opts.log.warn({ version: r.policy.version, rules: ev.rules, file: this.opts.file }, 'policy loaded; the fail-safe policy is lifted');
    else if (previousVersion !== r.policy.version) this.opts.log.info({ version: r.policy.version, rules: ev.rules }, 'policy loaded');
    this.opts.onLoad?.(ev);
    return ev;
  }

  private refuse(problems: PolicyProblem[]): PolicyLoadEvent {
    this.lastProblems = problems;
    // No valid policy ever loaded: the fail-safe one, never "no rules" (and never the empty REVIEW-all).
    if (!this.policy || this.failSafe) {
      this.policy = FAIL_SAFE_POLICY;
      this.failSafeStatus = `FAIL-SAFE POLICY IN FORCE: no usable policy in ${this.opts.file} (${problems[0]?.message ?? 'refused'}); read-only tools ALLOW, everything else BLOCK until a valid policy is loaded`;
      this.opts.log.error({ file: this.opts.file, problems: formatProblems(this.opts.file, problems) }, this.failSafeStatus);
    } else {
      this.opts.log.error({ file: this.opts.file, problems: formatProblems(this.opts.file, problems) }, 'policy refused; previous policy stays in force');
    }
    const ev: PolicyLoadEvent = {
      ok: false,
      file: this.opts.file,
      problems,
      keptVersion: this.policy.version,
      failSafe: this.failSafe,
      status: this.failSafeStatus,
    };
    this.opts.onLoad?.(ev);
    return ev;
  }

  /**
   * The bundled default policy is read-only in a packaged app (and tracked in git in development):
   * the first promote copies it to the data dir and the store follows the copy from then on.
   */
  private moveToWritableCopy(target: string): void {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (!fs.existsSync(target)) fs.copyFileSync(this.opts.file, target);
    const watching = this.watcher !== null;
    this.stop();
    this.opts.file = target;
    this.opts.log.info({ file: target }, 'policy now lives in the data dir (first promoted rule)');
    if (watching) this.start();
  }

  start(): void {
    if (!this.opts.watch || this.watcher) return;
    // Watch the folder, not the file: editors replace files by rename, which ends a file watch.
    const dir = path.dirname(this.opts.file);
    const base = path.basename(this.opts.file);
    try {
      this.watcher = fs.watch(dir, (_event, name) => {
        if (name !== null && name.toString() !== base) return;
        if (this.timer) clearTimeout(this.timer);
        this.timer = setTimeout(() => {
          this.timer = null;
          if (fs.existsSync(this.opts.file)) this.load();
        }, this.opts.debounceMs);
      });
      this.watcher.on('error', (err) => this.opts.log.warn({ err }, 'policy watch failed; hot reload off'));
    } catch (err) {
      this.opts.log.warn({ err, dir }, 'cannot watch policy folder; hot reload off');
    }
  }

  stop(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /**
   * Append a rule to the policy file (keeping comments and layout), then load it. The file is
   * written to a temp name and renamed so a crash never leaves half a policy. Returns the new version.
   */
  appendRule(rule: Rule): PolicyLoadEvent {
    const checked = RuleSchema.parse(rule);
    if (this.opts.writableCopy && this.opts.file !== this.opts.writableCopy) this.moveToWritableCopy(this.opts.writableCopy);
    let text: string;
    try {
      text = fs.readFileSync(this.opts.file, 'utf8');
    } catch {
      text = '';
    }
    const doc = YAML.parseDocument(text);
    if (doc.errors.length > 0) throw new Error(`policy file has syntax errors; fix it before promoting: ${doc.errors[0].message}`);
    if (!isMap(doc.contents)) doc.contents = doc.createNode({}) as unknown as typeof doc.contents;
    let rules = doc.get('rules', true);
    if (!isSeq(rules)) {
      doc.set('rules', doc.createNode([]));
      rules = doc.get('rules', true);
    }
    const plain = JSON.parse(JSON.stringify(checked)) as Record<string, unknown>;
    if (plain.priority === 0) delete plain.priority;
    (rules as { add(v: unknown): void }).add(doc.createNode(plain));
    const out = doc.toString();
    const check = parsePolicy(out);
    if (!check.ok) throw new Error(`promoted rule would make the policy invalid:\n${formatProblems(this.opts.file, check.problems)}`);
    fs.mkdirSync(path.dirname(this.opts.file), { recursive: true });
    const tmp = `${this.opts.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, out);
    fs.renameSync(tmp, this.opts.file);
    return this.loadText(out);
  }
}
