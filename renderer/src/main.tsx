import { createRoot } from 'react-dom/client';
import { createActions } from './actions';
import { createClient } from './api/client';
import { parseRoute } from './route';
import { Root } from './Root';
import { ServicesContext, type Services } from './context';
import { LiveReadings } from './live/series';
import { PANES } from './panes/registry';
import { useLayout } from './store/layout';
import './styles.css';

// One of everything per page, built here and handed down: no import-time singletons.
const client = createClient();
// A full day per device at 5 s (17,280 samples) stays in memory for the trends.
const live = new LiveReadings(17_280);
const services: Services = { client, live, actions: createActions(client, live), shell: window.aegisflowShell ?? null };
// Browser windows of popped-out panes do not survive a reload (Electron's do: the main process reopens them).
if (!services.shell && parseRoute(location.hash).kind === 'main') useLayout.getState().apply((l) => (l.popped.length ? { ...l, popped: [] } : l));
const root = createRoot(document.getElementById('root')!);
const render = () =>
  root.render(
    <ServicesContext.Provider value={services}>
      <Root route={parseRoute(location.hash)} />
    </ServicesContext.Provider>,
  );
render();
window.addEventListener('hashchange', render);

// Fetch every pane's code while the operator reads the first screen, so opening a tab later costs no
// network round trip and no parse (measured by bench:ui: ~300 ms off the Trends pane's first draw).
const idle = (cb: () => void) => ('requestIdleCallback' in window ? requestIdleCallback(cb, { timeout: 3000 }) : setTimeout(cb, 1500));
idle(() => {
  for (const p of Object.values(PANES)) void p.preload();
});
