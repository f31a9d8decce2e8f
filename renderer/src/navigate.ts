// Cross-pane navigation: "show me this" from one pane opens another (navigation depth stays shallow,
// as ISA-101 asks). Works in the docked layout; a popped-out Trends window follows the same selection
// store only within its own page.
import { activate, useLayout } from './store/layout';
import { useTrends } from './store/trends';

export function showTrend(deviceId: string): void {
  useTrends.getState().setDevices([deviceId]);
  useLayout.getState().apply((l) => (l.popped.includes('trends') ? l : activate(l, 'trends')));
}
