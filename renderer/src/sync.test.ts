import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { throttle } from './sync';

describe('throttle (bursts of core events become one refresh)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs once for a burst, then again for a later burst, never more often than the interval', () => {
    const fn = vi.fn();
    const t = throttle(fn, 1000);
    for (let i = 0; i < 50; i++) t();
    expect(fn).toHaveBeenCalledTimes(0);
    vi.advanceTimersByTime(0);
    expect(fn).toHaveBeenCalledTimes(1);
    t();
    vi.advanceTimersByTime(500);
    expect(fn).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(500);
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it('cancel drops a pending run', () => {
    const fn = vi.fn();
    const t = throttle(fn, 1000);
    t();
    t.cancel();
    vi.advanceTimersByTime(5000);
    expect(fn).not.toHaveBeenCalled();
    t(); // and it still works afterwards
    vi.advanceTimersByTime(0);
    expect(fn).toHaveBeenCalledTimes(1);
  });
});
