// The real manual, indexed and searched as query_device_manual does it.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/helpers';
import { createManualIndex, createManualLibrary, loadManualIndex, parseManual } from './index';

const manual = loadManualIndex(path.resolve(__dirname, '../../../resources/device_manual.md'));

describe('device manual index', () => {
  it('splits the manual at numbered headings and keeps the heading path', () => {
    const numbers = manual.sections.map((s) => s.number);
    for (const n of ['1.2', '1.5', '2.1', '2.2', '2.3', '2.4', '2.5', '2.6', '3.1', '3.2', '3.3', '4.1', '4.5']) expect(numbers).toContain(n);
    expect(manual.section('2.1')!.path).toBe('2 Failure modes > 2.1 Thermal runaway (compressors)');
  });

  it('finds the SOP for each failure mode of the seed', () => {
    const top = (q: string) => manual.search(q, { limit: 1 })[0]?.section;
    expect(top('thermal runaway compressor')).toBe('2.1');
    expect(top('pump pressure dropped suddenly leak')).toBe('2.2');
    expect(top('motor vibration bearings')).toBe('2.3');
    expect(top('all readings drift slowly calibration')).toBe('2.4');
    expect(top('power oscillating electrical fault')).toBe('2.5');
  });

  it('cites the section and cuts long text to the limit', () => {
    const [hit] = manual.search('thermal runaway', { limit: 1, maxChars: 100 });
    expect(hit.citation).toBe('SOP 2.1 Thermal runaway (compressors)');
    expect(hit.truncated).toBe(true);
    expect(hit.text.length).toBeLessThanOrEqual(102);
  });

  it('returns nothing for a query of stop words or unknown terms, and survives an empty manual', () => {
    expect(manual.search('the and of')).toEqual([]);
    expect(manual.search('xylophone')).toEqual([]);
    expect(createManualIndex('').search('thermal')).toEqual([]);
    expect(parseManual('no headings here')).toEqual([]);
  });
});

describe('manual library of a plant model', () => {
  const fallbackFile = path.resolve(__dirname, '../../../resources/device_manual.md');

  it("uses each asset type's manual relative to the model file, and the plant's manual for the rest", () => {
    const { dir, cleanup } = tempDir('aegis-manuals-');
    try {
      fs.writeFileSync(path.join(dir, 'valve.md'), '# Valves\n\n## 1 Sticking\n\n### 1.1 Valve sticks half open\nStroke it twice.\n');
      const model = {
        file: path.join(dir, 'plant.yaml'),
        assets: [{ type: 'valve', manual: 'valve.md' }, { type: 'pump' }, { type: 'gauge', manual: 'missing.md' }],
      };
      const lib = createManualLibrary({ fallbackFile, model: () => model });
      expect(lib.forType('valve').section('1.1')?.title).toBe('Valve sticks half open');
      expect(lib.forType('pump')).toBe(lib.forType('gauge'));
      expect(lib.forType('pump').section('2.1')?.title).toBe('Thermal runaway (compressors)');
      expect(lib.all().map((m) => path.basename(m.file))).toEqual(['valve.md', 'device_manual.md']);
      expect(lib.search('valve sticks', { limit: 1 })[0]).toMatchObject({ section: '1.1', manual: 'valve.md' });
      expect(lib.search('thermal runaway compressor', { limit: 1, deviceType: 'pump' })[0]).toMatchObject({ section: '2.1', manual: 'device_manual.md' });
    } finally {
      cleanup();
    }
  });
});
