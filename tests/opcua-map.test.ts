// The OPC UA mapping, pure: StatusCode severity → quality, Variant values → numbers, deadbands in
// engineering units, monitored-item grouping, and the command method's answer → the device's reply.
import { describe, expect, it } from 'vitest';
import { StatusCodes } from 'node-opcua';
import { groupItems, NO_LIMITS, numericValue, opcUaItems, planSubscriptions, qualityOf, replyOf, type OpcUaItem } from '../electron/core/connectors/opcua-map';
import { bindTags } from '../electron/core/connectors';
import { modelOf, waterOverOpcUa } from './opcua-server';

describe('opc-ua mapping', () => {
  it('maps StatusCode severity to quality: Good none, Uncertain kept and marked, Bad no value', () => {
    expect(qualityOf(StatusCodes.Good)).toEqual({ keep: true });
    expect(qualityOf(StatusCodes.GoodClamped)).toEqual({ keep: true });
    expect(qualityOf(StatusCodes.UncertainSensorNotAccurate)).toEqual({
      keep: true,
      quality: { level: 'uncertain', reason: 'source', detail: 'UncertainSensorNotAccurate' },
    });
    expect(qualityOf(StatusCodes.BadCommunicationError)).toEqual({ keep: false, quality: { level: 'bad', reason: 'source', detail: 'BadCommunicationError' } });
  });
  it('reads numbers, booleans and 64-bit words; anything else is no number', () => {
    expect([numericValue(2.5), numericValue(true), numericValue(false), numericValue([1, 2]), numericValue(BigInt(7))]).toEqual([2.5, 1, 0, 4294967298, 7]);
    expect([numericValue('3'), numericValue(null), numericValue(NaN), numericValue({})]).toEqual([null, null, null, null]);
  });
  it('takes node, sampling and deadband from the binding, the connector, then the tag (half its period; percent of its range)', () => {
    const m = modelOf(
      waterOverOpcUa(`  - { id: opc, type: opc-ua, endpoint: 'opc.tcp://x:4840', deadband: { percent: 1 } }`).replace(
        '- { id: rw-pump-1, type: centrifugal_pump, name: Raw water pump 1 }',
        `- id: rw-pump-1
            type: centrifugal_pump
            tags: { flow: { source: { connector: opc, node: 'ns=3;s=P1.{tag}', sampling_ms: 100, deadband: 5 } } }`,
      ),
    );
    const s = m.connectors[0];
    if (s?.type !== 'opc-ua') throw new Error('no opc-ua connector');
    const items = opcUaItems(s, bindTags(m.model, 'opc'));
    const by = (tag: string) => items.find((i) => i.tag === tag);
    expect(by('intake/rw-pump-1/flow')).toMatchObject({ nodeId: 'ns=3;s=P1.flow', samplingMs: 100, deadband: 5 });
    // rw-pump-2 flow: range [0, 1500], 1 s tag, the connector's 1 %.
    expect(by('intake/rw-pump-2/flow')).toMatchObject({ nodeId: 'ns=1;s=intake/rw-pump-2/flow', samplingMs: 500, deadband: 15 });
    expect(by('intake/rw-pump-2/bearing_temp')?.samplingMs).toBe(30_000);
  });
  it('groups items by sampling interval and deadband, at most n per group', () => {
    const it = (tag: string, samplingMs: number, deadband = 0): OpcUaItem => ({ tag, device_id: 'd', key: tag, nodeId: `s=${tag}`, samplingMs, deadband });
    const groups = groupItems([it('a', 500), it('b', 500), it('c', 30_000), it('d', 500), it('e', 500, 1)], 2);
    expect(groups.map((g) => g.map((i) => i.tag))).toEqual([['a', 'b'], ['d'], ['c'], ['e']]);
  });
  it('plans subscriptions of the preferred size within the server limits; what does not fit is left', () => {
    const item = (n: number, samplingMs = 500): OpcUaItem => ({ tag: `t${n}`, device_id: 'd', key: `t${n}`, nodeId: `s=t${n}`, samplingMs, deadband: 0 });
    const items = [...Array.from({ length: 15 }, (_, n) => item(n)), item(15, 30_000), item(16, 30_000)];
    const sizes = (p: ReturnType<typeof planSubscriptions>) => p.subscriptions.map((calls) => calls.map((c) => c.length));
    // No limits: 5 per subscription; a subscription may mix sampling groups, one call per group.
    expect(sizes(planSubscriptions(items, NO_LIMITS, 5))).toEqual([[5], [5], [5], [2]]);
    // 2 subscriptions per session: 9 and 8 items; calls of at most 4.
    const two = planSubscriptions(items, { ...NO_LIMITS, subscriptionsPerSession: 2, itemsPerCall: 4 }, 5);
    expect(sizes(two)).toEqual([
      [4, 4, 1],
      [4, 2, 2],
    ]);
    expect(two.left).toEqual([]);
    expect(two.subscriptions.flat(2).map((i) => i.tag)).toEqual(items.map((i) => i.tag));
    // Room for 2 × 6: the last 5 (in group order) are left.
    const small = planSubscriptions(items, { ...NO_LIMITS, subscriptionsPerSession: 2, itemsPerSubscription: 6 }, 5);
    expect(sizes(small)).toEqual([[6], [6]]);
    expect(small.left.map((i) => i.tag)).toEqual(['t12', 't13', 't14', 't15', 't16']);
    // A total limit across sessions bounds it too.
    expect(planSubscriptions(items, { ...NO_LIMITS, items: 3 }, 5).left).toHaveLength(14);
  });
  it('turns the acknowledgement text into the reply; anything else is a malformed acknowledgement', () => {
    expect(replyOf(JSON.stringify({ status: 'accepted', jti: 'j1' }))).toEqual({ status: 'accepted' });
    expect(replyOf(JSON.stringify({ status: 'refused', code: 'expired', reason: 'intent token expired' }))).toEqual({
      status: 'refused',
      code: 'expired',
      reason: 'intent token expired',
    });
    expect(replyOf('not json')).toMatchObject({ status: 'refused', code: 'malformed_ack' });
    expect(replyOf(42)).toMatchObject({ status: 'refused', code: 'malformed_ack' });
    expect(replyOf('{"ok":true}')).toMatchObject({ status: 'refused', code: 'malformed_ack' });
  });
});
