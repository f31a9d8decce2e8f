// The master alarm table's seed on its own: the priority matrix, and what is taken from a manual's SOP
// and when (pure: the manual comes in as sections).
import { describe, expect, it } from 'vitest';
import type { AssetView, TagView } from '../../../shared/schemas/model';
import { priorityOf, seedRows, type SopSection } from './index';

const SECTIONS: SopSection[] = [
  { number: '2', title: 'Failure modes', text: '' },
  {
    number: '2.2',
    title: 'Pressure leak (pumps)',
    text: 'Symptoms: pressure drops.\n\nProcedure:\n1. Confirm the drop on three\n   readings.\n2. Reduce load by 30-50 %.\n3. Walk the line.\n',
  },
  { number: '2.4', title: 'Sensor drift (all devices)', text: 'Procedure:\n1. Suspect drift.\n2. Do not reduce load.\n' },
  { number: '2.5', title: 'Electrical fault (compressors, motors)', text: 'Procedure:\n1. Confirm the oscillation.\n' },
  { number: '2.6', title: 'Communication loss (all devices)', text: 'Procedure:\n1. Check the last reading.\n2. Send no commands.\n' },
];

const tag = (key: string, limits: TagView['limits']): TagView => ({
  id: `l1/p1/${key}`,
  key,
  device_id: 'l1/p1',
  name: key,
  unit: 'PSI',
  type: 'float',
  range: [0, 100],
  normal: [30, 34],
  limits,
  sampling_s: 5,
  detect: true,
  source: { connector: 'mq' },
  sim: undefined,
});

const asset = (manual: string | undefined): AssetView => ({
  id: 'l1/p1',
  asset: 'p1',
  name: 'Pump 1',
  type: 'pump',
  type_name: 'Centrifugal pump',
  model: 'pump',
  manual,
  area: 'a',
  line: 'l1',
  commands: [],
  tags: [
    tag('pressure', [
      { key: 'L', value: 26, priority: 'high', deadband: 0, on_delay_s: 0, off_delay_s: 0, reference: 'SOP 2.2' },
      { key: 'LL', value: 18, priority: 'urgent', deadband: 0, on_delay_s: 0, off_delay_s: 0, reference: 'SOP 2.2', action: 'Stop the pump locally.' },
    ]),
  ],
});

describe('master alarm table seed', () => {
  it('derives priority from consequence severity × time to respond (ISA-18.2 matrix)', () => {
    expect(['minor', 'major', 'severe'].map((s) => priorityOf(s as 'minor', 3))).toEqual(['medium', 'high', 'urgent']);
    expect(['minor', 'major', 'severe'].map((s) => priorityOf(s as 'minor', 10))).toEqual(['low', 'medium', 'high']);
    expect(['minor', 'major', 'severe'].map((s) => priorityOf(s as 'minor', 30))).toEqual(['low', 'low', 'medium']);
    expect(priorityOf('severe', 31)).toBe('diagnostic');
  });

  it("takes a referenced SOP's first procedure steps where the model gives no action; the model's own text wins", () => {
    const rows = new Map(seedRows({ assets: [asset('manual.md')], connectors: [{ id: 'mq' }] }, () => SECTIONS).map((r) => [r.id, r]));
    expect(rows.get('l1/p1/pressure:L')).toMatchObject({
      action: 'SOP 2.2 Pressure leak: 1. Confirm the drop on three readings. 2. Reduce load by 30-50 %.',
      reference: 'SOP 2.2',
      consequence: null,
      priority: 'high',
      class: 'process',
    });
    expect(rows.get('l1/p1/pressure:LL')).toMatchObject({ action: 'Stop the pump locally.', reference: 'SOP 2.2', priority: 'urgent', class: 'equipment' });
    // the failure modes for pumps (by the manual's titles) that a detector type hint names; 2.5 is not for pumps
    expect(rows.get('l1/p1:anomaly')).toMatchObject({ reference: 'SOP 2.2, SOP 2.4', priority: null });
    expect(rows.get('l1/p1:communication')).toMatchObject({ reference: 'SOP 2.6', action: 'SOP 2.6: 1. Check the last reading. 2. Send no commands.' });
    expect([...rows.keys()].slice(-3)).toEqual(['broker:communication', 'connector:mq:communication', 'store:readings']);
  });

  it('reads no SOP for an asset type whose model names no manual: nothing is borrowed from another plant', () => {
    const rows = new Map(seedRows({ assets: [asset(undefined)], connectors: [] }, () => SECTIONS).map((r) => [r.id, r]));
    expect(rows.get('l1/p1/pressure:L')).toMatchObject({ action: null, consequence: null, reference: 'SOP 2.2' });
    expect(rows.get('l1/p1:anomaly')).toMatchObject({ action: null, reference: null });
    expect(rows.get('l1/p1:communication')).toMatchObject({ action: null, reference: null });
  });
});
