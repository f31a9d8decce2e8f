// Which window this page is: the control room, one popped-out pane (#pane=<id>), or the compact
// approval pop-up (#popup=approval&id=<approval id>). Anything else is the control room.
import { isPaneId, type PaneId } from '../../shared/shell';

export type Route = { kind: 'main' } | { kind: 'pane'; pane: PaneId } | { kind: 'popup'; approvalId: string | null };

export function parseRoute(hash: string): Route {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  const pane = p.get('pane');
  if (isPaneId(pane)) return { kind: 'pane', pane };
  if (p.get('popup') === 'approval') {
    const id = p.get('id');
    return { kind: 'popup', approvalId: id && id.length <= 128 ? id : null };
  }
  return { kind: 'main' };
}
