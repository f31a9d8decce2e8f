import path from 'node:path';
import { writeDataset, SCENARIOS } from '../../core/plant';
import { fail, parseCommand } from '../common';
import type { CliCommand } from '../types';

const HELP = `Usage: aegisflow data generate [--seed N] [--out DIR] [--hours H]
       aegisflow data scenarios

Generate the seed plant's day: 9 devices × 5 sensors every 5 s for 24 h (155,520 rows) with the
five injected scenarios. Writes DIR/sensor_data.csv and DIR/labels.csv (labels are for evaluation
only; nothing the app publishes carries them). The same seed always gives byte-identical files.

Options:
  --seed N     random seed (default 42)
  --out DIR    output directory (default ./data)
  --hours H    hours to generate (default 24)
  -h, --help   show this help`;

export const dataCommand: CliCommand = {
  name: 'data',
  summary: 'generate the plant dataset (data generate --seed N --out DIR), list scenarios',
  help: HELP,
  async run(argv) {
    const parsed = parseCommand(
      argv,
      { seed: { type: 'string' }, out: { type: 'string' }, hours: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      HELP,
      { needsSubcommand: true },
    );
    if (typeof parsed === 'number') return parsed;
    const { values, positionals } = parsed;
    const sub = positionals[0];
    try {
      if (sub === 'scenarios') {
        for (const s of SCENARIOS) process.stdout.write(`${s.type.padEnd(17)} ${s.device_id.padEnd(22)} h${s.startHour}–${s.endHour}  ${s.description}\n`);
        return 0;
      }
      if (sub !== 'generate') {
        process.stderr.write(`aegisflow data: unknown subcommand "${sub}"\n\n${HELP}\n`);
        return 2;
      }
      const seed = values.seed === undefined ? 42 : Number(values.seed);
      const hours = values.hours === undefined ? 24 : Number(values.hours);
      if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got "${values.seed}"`);
      if (!(hours > 0 && hours <= 24 * 31)) throw new Error(`--hours must be between 0 and 744, got "${values.hours}"`);
      const out = path.resolve(values.out ?? 'data');
      const t0 = Date.now();
      const res = writeDataset(out, { seed, hours });
      process.stdout.write(`wrote ${res.rows} rows to ${res.csv}\nlabels in ${res.labels}\n(${Date.now() - t0} ms, seed ${seed})\n`);
      return 0;
    } catch (err) {
      return fail(err);
    }
  },
};
