import { describe, expect, it } from 'vitest';
import { canonicalHash, canonicalize, CanonicalJsonError } from './canonical';

function fromBits(hex: string): number {
  const buf = Buffer.from(hex, 'hex');
  return buf.readDoubleBE(0);
}

describe('RFC 8785 canonical JSON', () => {
  it('reproduces the RFC section 3.2.2 example byte for byte', () => {
    // The RFC's input, parsed by JSON.parse exactly as written there.
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
        '"string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",' +
        '"literals": [null, true, false]}',
    );
    expect(canonicalize(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' + '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('sorts keys by UTF-16 code units (RFC section 3.2.3)', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    // Read the order off the text: JSON.parse would move the integer-like key "1" to the front.
    const text = canonicalize(input);
    const values = [...text.matchAll(/":"([^"]+)"/g)].map((m) => m[1]);
    expect(values).toEqual([
      'Carriage Return',
      'One',
      'Control',
      'Latin Small Letter O With Diaeresis',
      'Euro Sign',
      'Emoji: Grinning Face',
      'Hebrew Letter Dalet With Dagesh',
    ]);
  });

  it('serialises numbers as the RFC appendix B table says', () => {
    const table: Array<[string, string]> = [
      ['0000000000000000', '0'],
      ['8000000000000000', '0'],
      ['0000000000000001', '5e-324'],
      ['8000000000000001', '-5e-324'],
      ['7fefffffffffffff', '1.7976931348623157e+308'],
      ['ffefffffffffffff', '-1.7976931348623157e+308'],
      ['4340000000000000', '9007199254740992'],
      ['c340000000000000', '-9007199254740992'],
      ['4430000000000000', '295147905179352830000'],
      ['44b52d02c7e14af5', '9.999999999999997e+22'],
      ['44b52d02c7e14af6', '1e+23'],
      ['44b52d02c7e14af7', '1.0000000000000001e+23'],
      ['444b1ae4d6e2ef4e', '999999999999999700000'],
      ['444b1ae4d6e2ef4f', '999999999999999900000'],
      ['444b1ae4d6e2ef50', '1e+21'],
      ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
      ['3eb0c6f7a0b5ed8d', '0.000001'],
      ['41b3de4355555553', '333333333.3333332'],
      ['41b3de4355555554', '333333333.33333325'],
      ['41b3de4355555555', '333333333.3333333'],
      ['41b3de4355555556', '333333333.3333334'],
      ['41b3de4355555557', '333333333.33333343'],
      ['becbf647612f3696', '-0.0000033333333333333333'],
      ['43143ff3c1cb0959', '1424953923781206.2'],
    ];
    for (const [bits, expected] of table) expect([bits, canonicalize(fromBits(bits))]).toEqual([bits, expected]);
  });

  it('refuses values JSON cannot carry: NaN, Infinity, BigInt, class instances', () => {
    expect(() => canonicalize(fromBits('7ff0000000000000'))).toThrow(CanonicalJsonError);
    expect(() => canonicalize(fromBits('7fffffffffffffff'))).toThrow(CanonicalJsonError);
    expect(() => canonicalize({ n: 10n })).toThrow(CanonicalJsonError);
    expect(() => canonicalize({ m: new Map() })).toThrow(CanonicalJsonError);
  });

  it('gives the same hash whatever the key order, and a different one for any changed value', () => {
    const a = { device_id: 'line-1/compressor-01', command: 'reduce_load', params: { reduction_pct: 50, ramp: [1, 2] } };
    const b = { params: { ramp: [1, 2], reduction_pct: 50 }, command: 'reduce_load', device_id: 'line-1/compressor-01' };
    expect(canonicalHash(a)).toBe(canonicalHash(b));
    expect(canonicalHash({ ...a, params: { reduction_pct: 51, ramp: [1, 2] } })).not.toBe(canonicalHash(a));
    expect(canonicalHash({ ...a, params: { reduction_pct: 50, ramp: [2, 1] } })).not.toBe(canonicalHash(a));
  });

  it('drops undefined members like JSON.stringify does', () => {
    expect(canonicalize({ b: undefined, a: 1, c: [undefined] })).toBe('{"a":1,"c":[null]}');
  });
});
