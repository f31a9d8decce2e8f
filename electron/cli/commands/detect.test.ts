import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliSandbox } from '../../../tests/cli-helpers';
import { generateDay, readingsToCsv } from '../../core/plant';
import { detectCommand } from './detect';
import { dateOrderOf, parseTime } from './detect-csv';

const box = cliSandbox('aegis-detect-cli-');

describe('aegisflow detect', () => {
  it('scores a historian export, skips bad rows by line number, writes the scored CSV and prints the episode', async () => {
    const day = generateDay({ seed: 12, hours: 9, devices: ['line-2/pump-03'] });
    const lines = readingsToCsv(day.readings).trimEnd().split('\n');
    lines.splice(100, 0, 'broken,row', '2026-01-01T00:08:00Z,line-2/pump-03,NaNish,1,1,1,1');
    const file = path.join(box.dir, 'export.csv');
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const code = await detectCommand.run([file, '--fit-rows', '720']);
    expect(code).toBe(0);
    expect(box.err.join('')).toContain('line 101: 2 fields, header has 7; skipped');
    expect(box.err.join('')).toContain('line 102: column temperature is not a number');
    const stdout = box.out.join('');
    expect(stdout).toMatch(/pressure_leak/);
    expect(stdout).toContain('(2 bad');
    const scored = fs.readFileSync(path.join(box.dir, 'export.scored.csv'), 'utf8').trimEnd().split('\n');
    expect(scored[0]).toBe('timestamp,device_id,temperature,pressure,vibration,humidity,power,aegis_score,aegis_flag,aegis_episode');
    expect(scored).toHaveLength(day.readings.length + 1);
    // rows during the leak (08:00–08:30) carry the flag and the episode id; the first hours none
    const at = (hhmm: string) => scored.find((l) => l.startsWith(`2026-01-01T${hhmm}:00.000Z`))!.split(',');
    expect(at('08:15').slice(-2)[0]).toBe('1');
    expect(at('08:15').slice(-1)[0]).toMatch(/^line-2\/pump-03@/);
    expect(scored.filter((l) => l.split(',')[8] === '1' && l < '2026-01-01T07:00').length).toBe(0);
  });

  it('reads a semicolon file with its own time format and scores it against a label column', async () => {
    const rows = ['datetime;a;b;anomaly'];
    for (let i = 0; i < 600; i++) {
      const t = new Date(Date.UTC(2020, 2, 9, 10, 0, i)).toISOString().slice(0, 19).replace('T', ' ');
      const step = i >= 400 && i < 500 ? 10 : 0;
      rows.push(`${t};${(5 + Math.sin(i) * 0.1 + step).toFixed(3)};${(3 + Math.cos(i * 1.3) * 0.1).toFixed(3)};${step ? 1 : 0}`);
    }
    const file = path.join(box.dir, 'bench.csv');
    fs.writeFileSync(file, rows.join('\r\n') + '\r\n');
    expect(await detectCommand.run([file, '--fit-rows', '200', '--label-col', 'anomaly', '--out', '-'])).toBe(0);
    const m = /F1 ([\d.]+)\s+FAR ([\d.]+) %\s+MAR ([\d.]+) %/.exec(box.out.join(''));
    expect(m).not.toBeNull();
    // the step is caught whole, and the episode ends where the unsmoothed evidence ended, not after the
    // level filter's lag (~1 min of a 140σ step at 1 s sampling)
    expect(Number(m![1])).toBeGreaterThan(0.85);
    expect(Number(m![3])).toBeLessThan(5);
    expect(Number(m![2])).toBeLessThan(10);
  });

  it('names its own output columns so a label column of the input cannot be confused with them', async () => {
    // the finding: the scored CSV kept the input's `anomaly` beside the detector's `anomaly_flag`
    const rows = ['datetime;a;anomaly'];
    for (let i = 0; i < 300; i++) rows.push(`${new Date(Date.UTC(2020, 2, 9, 10, 0, i)).toISOString()};${(5 + Math.sin(i) * 0.1).toFixed(3)};0`);
    const file = path.join(box.dir, 'labelled.csv');
    fs.writeFileSync(file, rows.join('\n') + '\n');
    expect(await detectCommand.run([file, '--fit-rows', '100'])).toBe(0);
    const header = fs.readFileSync(path.join(box.dir, 'labelled.scored.csv'), 'utf8').split('\n')[0].split(';');
    expect(header).toEqual(['datetime', 'a', 'anomaly', 'aegis_score', 'aegis_flag', 'aegis_episode']);
  });

  it('takes an empty field as a missing value, and the demo ranges only for the demo export', async () => {
    // a historian export of another plant: power in kW (over the demo's 250), a temperature in K, gaps left empty
    const rows = ['timestamp,power,temperature'];
    for (let i = 0; i < 400; i++) {
      const t = new Date(Date.UTC(2024, 0, 1, 0, 0, i * 10)).toISOString();
      const power = i % 7 === 3 ? '' : (900 + Math.sin(i) * 5 + (i >= 300 && i < 340 ? 60 : 0)).toFixed(1);
      rows.push(`${t},${power},${(300 + Math.cos(i * 1.7)).toFixed(2)}`);
    }
    const file = path.join(box.dir, 'other-plant.csv');
    fs.writeFileSync(file, rows.join('\n') + '\n');
    expect(await detectCommand.run([file, '--out', '-'])).toBe(0);
    expect(box.err.join('')).not.toMatch(/line \d+/);
    const out = box.out.join('');
    expect(out).toContain('400 rows (0 bad');
    expect(out).toMatch(/1 episode,/);
  });

  it('refuses bad usage with exit code 2 and a clear message', async () => {
    expect(await detectCommand.run([])).toBe(2);
    expect(await detectCommand.run([path.join(box.dir, 'missing.csv')])).toBe(2);
    const file = path.join(box.dir, 'x.csv');
    fs.writeFileSync(file, 'timestamp,v\n2026-01-01T00:00:00Z,1\n');
    expect(await detectCommand.run([file, '--set', 'nonsense=1'])).toBe(2);
    expect(box.err.join('')).toContain('unknown detector setting "nonsense"');
  });

  it('parses the time formats plants export', () => {
    expect(parseTime('2020-03-09 10:14:33')).toBe(Date.UTC(2020, 2, 9, 10, 14, 33));
    expect(parseTime('2026-01-01T00:00:05Z')).toBe(Date.UTC(2026, 0, 1, 0, 0, 5));
    expect(parseTime('1767225600')).toBe(1767225600000);
    expect(parseTime('1767225600000')).toBe(1767225600000);
    expect(Number.isNaN(parseTime('yesterday'))).toBe(true);
  });

  it('parses day/month dates as spreadsheets export them, in the order the data or --dates says', () => {
    expect(parseTime('09.03.2020 10:14:33')).toBe(Date.UTC(2020, 2, 9, 10, 14, 33)); // DD.MM.YYYY is day-first
    expect(parseTime('2020/03/09 10:14:33')).toBe(Date.UTC(2020, 2, 9, 10, 14, 33));
    expect(parseTime('03/09/2020 10:14', 'mdy')).toBe(Date.UTC(2020, 2, 9, 10, 14));
    expect(parseTime('9/3/2020 3:05:07 PM', 'dmy')).toBe(Date.UTC(2020, 2, 9, 15, 5, 7));
    expect(parseTime('9/3/2020 12:05 AM', 'dmy')).toBe(Date.UTC(2020, 2, 9, 0, 5));
    expect(parseTime('09.03.2020 10:14:33.250')).toBe(Date.UTC(2020, 2, 9, 10, 14, 33, 250));
    // no order known for a slashed date: not guessed
    expect(Number.isNaN(parseTime('03/09/2020 10:14'))).toBe(true);
    expect(Number.isNaN(parseTime('31.02.2024 00:00'))).toBe(true);
    expect(dateOrderOf(['01/02/2024 00:00', '13/02/2024 00:00'])).toBe('dmy');
    expect(dateOrderOf(['01/02/2024 00:00', '02/13/2024 00:00'])).toBe('mdy');
    expect(dateOrderOf(['01/02/2024 00:00', '02/03/2024 00:00'])).toBe('ambiguous');
    expect(dateOrderOf(['2024-02-01 00:00'])).toBeNull();
  });

  it('reads a German spreadsheet export (DD.MM.YYYY, decimal commas, quoted fields) and a US one (M/D/YYYY h:mm AM/PM)', async () => {
    const de = ['"timestamp";"temp";"flow"'];
    const us = ['timestamp,temp,flow'];
    for (let i = 0; i < 600; i++) {
      const t = new Date(Date.UTC(2024, 0, 1, 0, 0, 0) + i * 60_000);
      const p2 = (n: number) => String(n).padStart(2, '0');
      const step = i >= 450 && i < 500 ? 8 : 0;
      const temp = (20 + Math.sin(i * 0.7) * 0.3 + step).toFixed(2);
      const flow = (50 + Math.cos(i * 1.1) * 0.5).toFixed(2);
      de.push(
        `"${p2(t.getUTCDate())}.${p2(t.getUTCMonth() + 1)}.${t.getUTCFullYear()} ${p2(t.getUTCHours())}:${p2(t.getUTCMinutes())}:00";"${temp.replace('.', ',')}";"${flow.replace('.', ',')}"`,
      );
      const h = t.getUTCHours() % 12 || 12;
      us.push(
        `${t.getUTCMonth() + 1}/${t.getUTCDate()}/${t.getUTCFullYear()} ${h}:${p2(t.getUTCMinutes())} ${t.getUTCHours() < 12 ? 'AM' : 'PM'},${temp},${flow}`,
      );
    }
    for (const [name, rows, args] of [
      ['de.csv', de, []],
      ['us.csv', us, ['--dates', 'mdy']],
    ] as const) {
      const file = path.join(box.dir, name);
      fs.writeFileSync(file, rows.join('\n') + '\n');
      box.out.length = 0;
      box.err.length = 0;
      expect(await detectCommand.run([file, '--out', '-', ...args])).toBe(0);
      const out = box.out.join('');
      expect(out, name).toContain('600 rows (0 bad');
      // the step at 07:30 (row 450) is the one episode, on temp
      expect(out, name).toMatch(/2024-01-01T07:3\d:00Z +2024-01-01T08:\d\d:00Z.* temp\n/);
      expect(out, name).toMatch(/1 episode,/);
    }
  });

  it('refuses slashed dates whose order the data cannot tell, naming --dates', async () => {
    const rows = ['timestamp,a'];
    for (let i = 0; i < 100; i++) rows.push(`0${1 + (i % 9)}/02/2024 10:00,${i % 7}`);
    const file = path.join(box.dir, 'slashed.csv');
    fs.writeFileSync(file, rows.join('\n') + '\n');
    box.err.length = 0;
    expect(await detectCommand.run([file, '--out', '-'])).toBe(2);
    expect(box.err.join('')).toContain('day-first or month-first');
    expect(box.err.join('')).toContain('--dates dmy');
  });

  it('does not promise a false-episode rate it could not estimate', async () => {
    // the finding: a series whose scores never gave the alarm budget enough clusters to fit a tail printed "expected
    // false episodes/week < 0.01" (the estimate's 0), and then opened dozens of false episodes
    const rows = ['timestamp,restarts'];
    for (let i = 0; i < 300; i++) rows.push(`${new Date(Date.UTC(2026, 0, 5) + i * 300_000).toISOString()},0`);
    const file = path.join(box.dir, 'counter.csv');
    fs.writeFileSync(file, rows.join('\n') + '\n');
    expect(await detectCommand.run([file, '--out', '-'])).toBe(0);
    const stdout = box.out.join('');
    expect(stdout).toContain('expected false episodes/week not known (too few score clusters)');
    expect(stdout).not.toContain('expected false episodes/week < 0.01');
  });
});
