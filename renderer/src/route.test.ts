import { describe, expect, it } from 'vitest';
import { parseRoute } from './route';

describe('window routes', () => {
  it('tells the control room, a popped-out pane and the approval pop-up apart', () => {
    expect(parseRoute('')).toEqual({ kind: 'main' });
    expect(parseRoute('#pane=trends')).toEqual({ kind: 'pane', pane: 'trends' });
    expect(parseRoute('#popup=approval&id=apr_1')).toEqual({ kind: 'popup', approvalId: 'apr_1' });
    expect(parseRoute('#popup=approval')).toEqual({ kind: 'popup', approvalId: null });
  });
  it('treats unknown or hostile routes as the control room', () => {
    expect(parseRoute('#pane=../../etc/passwd')).toEqual({ kind: 'main' });
    expect(parseRoute('#pane=constructor')).toEqual({ kind: 'main' });
    expect(parseRoute('#popup=other')).toEqual({ kind: 'main' });
    expect(parseRoute('#popup=approval&id=' + 'x'.repeat(500))).toEqual({ kind: 'popup', approvalId: null });
  });
});
