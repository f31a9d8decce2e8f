// Cross-pane navigation: "show me this" from one pane opens another (navigation depth stays shallow,
// as ISA-101 asks). Works in the docked layout; a popped-out Trends window follows the same selection
// store only within its own page.
import { activate, useLayout } from './store/layout';
import { usePlantView } from './store/plantView';
import { useTrends } from './store/trends';

/** Chart an asset's tags (a device id) or the given tag ids. */
export function showTrend(...entries: string[]): void {
  useTrends.getState().setEntries(entries);
  useLayout.getState().apply((l) => (l.popped.includes('trends') ? l : activate(l, 'trends')));
}

/** Open an asset's detail in the Plant pane. */
export function showAsset(deviceId: string): void {
  usePlantView.getState().openAsset(deviceId);
  useLayout.getState().apply((l) => (l.popped.includes('plant') ? l : activate(l, 'plant')));
}
