// Finding (issue 19): unknown config keys were silently ignored — a typo changed nothing and said
// nothing. Every section of ConfigSchema, nested ones too, refuses keys it does not know, names them
// and suggests the near miss.
import { describe, expect, it } from 'vitest';
import { ConfigError, ConfigSchema, loadConfig } from '../../electron/core/config';

const attempt = (overrides: Record<string, unknown>) => {
  try {
    loadConfig({ overrides });
  } catch (err) {
    return err as Error;
  }
  return null;
};

describe('config: unknown keys are errors', () => {
  it('names a misspelt key and suggests the right one', () => {
    const err = attempt({ ingest: { flushMS: 10 } });
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.message).toMatch(/ingest\.flushMS/);
    expect(err!.message).toMatch(/did you mean "flushMs"/);
    const top = attempt({ brokr: { port: 1 } });
    expect(top!.message).toMatch(/brokr/);
    expect(top!.message).toMatch(/did you mean "broker"/);
  });

  it('every section and nested section of the schema refuses an unknown key', () => {
    const defaults = ConfigSchema.parse({}) as Record<string, unknown>;
    const sections: string[][] = [];
    const walk = (obj: Record<string, unknown>, path: string[]) => {
      for (const [k, v] of Object.entries(obj)) {
        if (v && typeof v === 'object' && !Array.isArray(v)) {
          sections.push([...path, k]);
          walk(v as Record<string, unknown>, [...path, k]);
        }
      }
    };
    walk(defaults, []);
    expect(sections.length).toBeGreaterThan(10);
    const silent: string[] = [];
    for (const s of sections) {
      const o: Record<string, unknown> = {};
      let cur = o;
      for (const k of s) cur = cur[k] = {};
      cur.zzNotAKey = 1;
      const err = attempt(o);
      // A record (a map keyed by the operator, e.g. per-device settings) takes any key: its values are still checked.
      if (!err || !err.message.includes([...s, 'zzNotAKey'].join('.'))) silent.push(s.join('.'));
    }
    expect(silent).toEqual([]);
  });

  it('lists every unknown key at once', () => {
    const err = attempt({ http: { prot: 1 }, store: { retentionDay: 3 } });
    expect(err!.message).toMatch(/http\.prot/);
    expect(err!.message).toMatch(/store\.retentionDay/);
  });
});
