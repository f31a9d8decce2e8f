// aegisflow audit: prove the audit chain (verify) and hand it to compliance (export).
import fs from 'node:fs';
import path from 'node:path';
import { databasePath } from '../../core/config';
import { systemClock } from '../../core/clock';
import { AuditLog, loadPublicKey } from '../../core/governance';
import { openDatabase } from '../../core/store';
import { buildConfig, COMMON_HELP, COMMON_OPTIONS, fail, parse } from '../common';
import type { CliCommand } from '../types';
import { openGovernance } from './agent';

const HELP = `Usage: aegisflow audit verify [--json]
       aegisflow audit export [--since WHEN] [--out FILE]

verify   checks every row's link to the previous row, every row's hash and every signed chain head
         (Ed25519, public key in <data-dir>/keys/). Names the first row that fails. Exit code 0 when
         the chain is intact, 1 when it is not. Opens the database read-only.
export   writes the rows since WHEN as JSON lines ({"type":"row",...}), then one {"type":"head",...}
         line: the current chain head signed now, with the text that was signed. Verify a head with
         the public key in <data-dir>/keys/gateway-ed25519.pub.pem.

Options:
      --since WHEN   ISO time (2026-11-29T00:00:00Z), epoch ms, or an age like 24h, 7d, 30m (default: everything)
      --out FILE     write to FILE instead of stdout (export)
      --json         machine-readable result (verify)
${COMMON_HELP}

Examples:
  aegisflow audit verify
  aegisflow audit export --since 7d --out audit-week.jsonl`;

const OPTIONS = { ...COMMON_OPTIONS, since: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' } } as const;

/** Parse --since: ISO date, epoch ms, or a relative age (30m, 24h, 7d). */
export function parseSince(v: string | undefined, now: number): number {
  if (v === undefined) return 0;
  const rel = /^(\d+(?:\.\d+)?)([smhd])$/.exec(v.trim());
  if (rel) return now - Number(rel[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as 's' | 'm' | 'h' | 'd'];
  if (/^\d+$/.test(v)) return Number(v);
  const t = Date.parse(v);
  if (Number.isNaN(t))
    throw Object.assign(new Error(`--since: cannot read "${v}" (use an ISO time, epoch ms, or 24h / 7d)`), { code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' });
  return t;
}

export const auditCommand: CliCommand = {
  name: 'audit',
  summary: 'verify the tamper-evident audit chain, export it as JSONL with a signed head',
  help: HELP,
  async run(argv) {
    try {
      const { values, positionals } = parse(argv, OPTIONS, true);
      const sub = positionals[0];
      if (values.help || !sub) {
        process.stdout.write(HELP + '\n');
        return values.help ? 0 : 2;
      }
      const cfg = buildConfig(values);
      const dbFile = databasePath(cfg);
      if (!fs.existsSync(dbFile)) {
        process.stderr.write(`aegisflow audit: no database at ${dbFile} (wrong --data-dir?)\n`);
        return 1;
      }
      if (sub === 'verify') {
        const db = openDatabase(dbFile, { readonly: true });
        try {
          const hasTable = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'gov_audit'`).get();
          if (!hasTable) {
            process.stderr.write('aegisflow audit: this database has no audit log yet\n');
            return 1;
          }
          const key = loadPublicKey(path.join(cfg.dataDir, 'keys'));
          const log = new AuditLog(db, systemClock, { signEvery: 0, mask: (v) => v });
          const r = log.verify(key?.publicKey ?? null);
          if (values.json) process.stdout.write(JSON.stringify(r) + '\n');
          else if (r.ok) {
            const t = r.unsignedTail;
            process.stdout.write(
              t
                ? `audit chain intact up to the last signed head: ${r.rows} rows, ${r.signedHeads} signed heads verified (${r.ms.toFixed(0)} ms)\n` +
                    `  ${t.rows} row${t.rows === 1 ? '' : 's'} after the last signed head (rows ${t.fromSeq}..${t.fromSeq + t.rows - 1}, ${new Date(t.fromTs).toISOString()} .. ${new Date(t.toTs).toISOString()}) are linked but unproven: not yet signed\n`
                : `audit chain intact: ${r.rows} rows, ${r.signedHeads} signed heads verified, the last row signed (${r.ms.toFixed(0)} ms)\n`,
            );
          } else process.stdout.write(`AUDIT CHAIN BROKEN at row ${r.firstBadSeq}: ${r.problem}\n(${r.rows} rows, ${r.signedHeads} signed heads)\n`);
          return r.ok ? 0 : 1;
        } finally {
          db.close();
        }
      }
      if (sub === 'export') {
        const since = parseSince(values.since, Date.now());
        const g = openGovernance(cfg);
        try {
          const fd = values.out ? fs.openSync(values.out, 'w') : 1;
          const r = g.gateway.audit.export(since, (l) => fs.writeSync(fd, l + '\n'));
          if (values.out) {
            fs.closeSync(fd);
            process.stderr.write(`wrote ${r.rows} rows and the signed head (row ${r.head?.seq ?? '-'}) to ${values.out}\n`);
          }
          return 0;
        } finally {
          g.close();
        }
      }
      process.stderr.write(`aegisflow audit: unknown subcommand "${sub}"\n\n${HELP}\n`);
      return 2;
    } catch (err) {
      return fail(err);
    }
  },
};
