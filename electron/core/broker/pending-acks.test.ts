// The pending-acknowledgement helper the MQTT command channel and the Sparkplug connector share.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPendingAcks, replyOf } from './pending-acks';

afterEach(() => {
  vi.useRealTimers();
});

describe('pending acknowledgements', () => {
  it('a reply settles its command once; without one it is no_ack after the timeout; stopping gives up on the rest', async () => {
    vi.useFakeTimers();
    const acks = createPendingAcks<{ deviceId: string }>();
    const a = acks.wait('a', { deviceId: 'd1' }, 5000);
    const b = acks.wait('b', { deviceId: 'd2' }, 5000);
    const c = acks.wait('c', { deviceId: 'd3' }, 60_000);
    expect(acks.get('a')).toEqual({ deviceId: 'd1' });
    acks.settle('a', { status: 'accepted' });
    acks.settle('a', { status: 'refused', code: 'late', reason: 'a second answer' });
    expect(acks.get('a')).toBeUndefined();
    await vi.advanceTimersByTimeAsync(5000);
    await expect(a).resolves.toEqual({ status: 'accepted' });
    await expect(b).resolves.toEqual({ status: 'no_ack', waitedMs: 5000 });
    // A command whose publish failed is forgotten: no reply, no timer left behind.
    void acks.wait('d', { deviceId: 'd4' }, 5000);
    acks.cancel('d');
    expect(acks.get('d')).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1000);
    acks.abandonAll();
    await expect(c).resolves.toEqual({ status: 'no_ack', waitedMs: 6000 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('anything but an explicit acceptance is a refusal, its code and reason cut to size', () => {
    expect(replyOf({ status: 'accepted', reason: 'ignored' }, 'none')).toEqual({ status: 'accepted' });
    expect(replyOf({ status: 'ACCEPTED' }, 'none given')).toEqual({ status: 'refused', code: 'refused', reason: 'none given' });
    expect(replyOf({ status: 'refused', code: 'x'.repeat(100), reason: 'y'.repeat(600) }, 'none')).toEqual({
      status: 'refused',
      code: 'x'.repeat(64),
      reason: 'y'.repeat(500),
    });
  });
});
