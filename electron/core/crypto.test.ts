import { describe, expect, it } from 'vitest';
import { safeEqual } from './crypto';

describe('safeEqual', () => {
  it('accepts only the identical secret, whatever the lengths', () => {
    expect(safeEqual('s3cret-code', 's3cret-code')).toBe(true);
    expect(safeEqual('s3cret-code', 's3cret-codf')).toBe(false);
    expect(safeEqual('s3cret-code', 's3cret-cod')).toBe(false);
    expect(safeEqual('', 's3cret-code')).toBe(false);
    expect(safeEqual('', '')).toBe(true);
    expect(safeEqual('pässwörd', 'pässwörd')).toBe(true);
    expect(safeEqual('pässwörd', 'passwörd')).toBe(false);
  });
});
