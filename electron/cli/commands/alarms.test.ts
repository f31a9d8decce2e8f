import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { alarmReportCsv } from '../../../shared/alarm-report-csv';
import { cliSandbox } from '../../../tests/cli-helpers';
import { OPERATOR } from '../../../tests/helpers';
import { createCore, testConfig } from '../../core';
import { LOCAL_CORE_OVERRIDES } from '../link';
import { alarmsCommand } from './alarms';

const box = cliSandbox('aegis-alarms-cli-');
const run = (...args: string[]) => alarmsCommand.run([...args, '--data-dir', box.dir]);

/** An alarm history written by a core that has stopped since (no app runs: the command starts its own). */
async function history() {
  const core = createCore(testConfig(box.dir, LOCAL_CORE_OVERRIDES), { network: false });
  await core.start();
  const from = Date.now() - 1000;
  const alarms = core.services.alarms;
  const cond = (id: string, active: boolean) => alarms.setCondition(id, { active, source: id.split(':')[0], priority: 'high', message: id });
  for (let i = 0; i < 3; i++) {
    cond('line-1/pump-03:test', true);
    cond('line-1/pump-03:test', false);
  }
  cond('line-2/motor-01:test', true);
  const to = Date.now() + 1000;
  const answer = await core.api.call('alarms.report', { from, to }, OPERATOR);
  await core.stop();
  if (!answer.ok) throw new Error(answer.error.message);
  return { from, to, report: answer.result };
}

describe('aegisflow alarms report', () => {
  it('prints the report, writes the CSV the control room downloads, and the JSON answer', async () => {
    const { from, to, report } = await history();
    expect(report.total).toBe(4);

    expect(await run('report', '--from', String(from), '--to', new Date(to).toISOString())).toBe(0);
    const text = box.out.join('');
    expect(text).toMatch(/^Alarm report \(ISA-18\.2 \/ EEMUA 191\), plant time /);
    expect(text).toMatch(/ {2}alarms {13}4\n/);
    expect(text).toContain('     3      75 %  line-1/pump-03:test  (chattering)\n');
    expect(text).toContain('line-1/pump-03:test  3 raises, 3 within 60 s');

    const file = path.join(box.dir, 'report.csv');
    expect(await run('report', '--from', String(from), '--to', String(to), '--csv', '--out', file)).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toBe(alarmReportCsv(report));

    box.out.length = 0;
    expect(await run('report', '--from', String(from), '--to', String(to), '--json')).toBe(0);
    expect(JSON.parse(box.out.join(''))).toEqual(report);
  });

  it('refuses a time it cannot read and a window that ends before it starts', async () => {
    expect(await run('report', '--from', 'yesterday-ish')).toBe(2);
    expect(box.err.join('')).toContain('--from: cannot read "yesterday-ish"');
    expect(await run('report', '--from', '2000', '--to', '1000')).toBe(1);
    expect(box.err.join('')).toContain('from < to');
  });
});
