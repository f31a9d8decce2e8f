// aegisflow audit: prove the audit chain (verify) and hand it to compliance (export), through the core's
// audit.verify and audit.export requests (the running app's API, or a core of its own when none runs).
import fs from 'node:fs';
import path from 'node:path';
import { databasePath } from '../../core/config';
import { verifyExportFile } from '../../core';
import { buildLinkConfig, COMMON_HELP, COMMON_OPTIONS, runLinked } from '../common';
import { LINK_HELP, LINK_OPTIONS } from '../link';
import type { CliCommand } from '../types';

const HELP = `Usage: aegisflow audit verify [--json] [--file FILE]
       aegisflow audit export [--since WHEN] [--out FILE]

verify   checks every row's link to the previous row, every row's hash and every signed chain head
         (Ed25519, public key in <data-dir>/keys/). Names the first row that fails. Exit code 0 when
         the chain is intact, 1 when it is not. With --file, checks an exported file instead (this
         command's export or the control room's Export): each row's link and hash, and the signed head
         at its end against the public key in <data-dir>/keys/.
export   writes the rows since WHEN as JSON lines ({"type":"row",...}), then one {"type":"head",...}
         line: the current chain head signed now, with the text that was signed. Verify a head with
         the public key in <data-dir>/keys/gateway-ed25519.pub.pem.

Options:
      --since WHEN   ISO time (2026-11-29T00:00:00Z), epoch ms, or an age like 24h, 7d, 30m (default: everything)
      --out FILE     write to FILE instead of stdout (export)
      --json         machine-readable result (verify)
      --file FILE    verify an exported JSONL file, not the database (verify)
${COMMON_HELP}

${LINK_HELP}

Examples:
  aegisflow audit verify
  aegisflow audit export --since 7d --out audit-week.jsonl
  aegisflow audit verify --file audit-week.jsonl`;

const OPTIONS = {
  ...COMMON_OPTIONS,
  ...LINK_OPTIONS,
  since: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  file: { type: 'string' },
} as const;

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
  run: (argv) =>
    runLinked(argv, { name: 'audit', options: OPTIONS, help: HELP, subcommands: ['verify', 'export'] }, async ({ values, sub, open }) => {
      const cfg = buildLinkConfig(values);
      const since = parseSince(values.since, Date.now());
      if (sub === 'verify' && values.file) return verifyFile(values.file, path.join(cfg.dataDir, 'keys'), !!values.json);
      // Verifying a data dir that holds no database is a mistake in the path, not an empty chain to create.
      if (!fs.existsSync(databasePath(cfg))) {
        process.stderr.write(`aegisflow audit: no database at ${databasePath(cfg)} (wrong --data-dir?)\n`);
        return 1;
      }
      const link = await open({ operator: values.operator });
      if (sub === 'verify') {
        const r = await link.call('audit.verify', {});
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
      }
      const r = await link.call('audit.export', { since });
      const text = r.lines.map((l) => l + '\n').join('');
      if (values.out) {
        fs.writeFileSync(values.out, text);
        process.stderr.write(`wrote ${r.rows} rows and the signed head (row ${r.headSeq ?? '-'}) to ${values.out}\n`);
      } else process.stdout.write(text);
      return 0;
    }),
};

/** An exported file on its own: no database, only the public key. */
function verifyFile(file: string, keysDir: string, json: boolean): number {
  const r = verifyExportFile(fs.readFileSync(file, 'utf8'), keysDir);
  if (json) process.stdout.write(JSON.stringify(r) + '\n');
  else if (r.ok)
    process.stdout.write(
      `audit export intact: ${r.rows} rows linked and hashed, signed head at row ${r.headSeq ?? '-'} verified` +
        (r.remasked ? ` (${r.remasked} rows masked again on export: linked, hash not checkable)` : '') +
        '\n',
    );
  else process.stdout.write(`AUDIT EXPORT BROKEN at line ${r.line}: ${r.problem}\n`);
  return r.ok ? 0 : 1;
}
