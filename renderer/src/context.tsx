// What every pane may reach: the typed client, live readings, the operator's actions and (in
// Electron) the shell. Passed through context, created once in main.tsx: no import-time singletons.
import { createContext, useContext } from 'react';
import type { ShellSurface } from '../../shared/shell';
import type { Actions } from './actions';
import type { Client } from './api/client';
import type { LiveReadings } from './live/series';

export interface Services {
  client: Client;
  live: LiveReadings;
  actions: Actions;
  shell: ShellSurface | null;
}

export const ServicesContext = createContext<Services | null>(null);

export function useServices(): Services {
  const s = useContext(ServicesContext);
  if (!s) throw new Error('ServicesContext missing');
  return s;
}
