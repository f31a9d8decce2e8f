// The panes of the control room. Each pane's code is its own chunk, fetched in idle time after the
// first screen (main.tsx) or on first show. A pane whose code is already here renders directly,
// without going through Suspense: React holds a revealed Suspense boundary back for up to 300 ms,
// which bench:ui measured as most of the Trends pane's first-draw time.
import { createElement, lazy, type ComponentType } from 'react';
import type { PaneId } from '../store/layout';

export interface PaneDef {
  title: string;
  component: ComponentType;
  /** Load the pane's code ahead of its first show. */
  preload(): Promise<unknown>;
}

function pane(title: string, load: () => Promise<{ default: ComponentType }>): PaneDef {
  let loaded: ComponentType | null = null;
  let loading: Promise<ComponentType> | null = null;
  const preload = () => (loading ??= load().then((m) => (loaded = m.default)));
  const Lazy = lazy(() => preload().then((c) => ({ default: c })));
  function Pane() {
    return createElement(loaded ?? Lazy);
  }
  Pane.displayName = `Pane(${title})`;
  return { title, component: Pane, preload };
}

export const PANES: Record<PaneId, PaneDef> = {
  plant: pane('Plant', () => import('./PlantPane')),
  trends: pane('Trends', () => import('./TrendsPane')),
  alarms: pane('Alarms', () => import('./AlarmsPane')),
  approvals: pane('Approvals', () => import('./ApprovalsPane')),
  overview: pane('Overview', () => import('./OverviewPane')),
  agents: pane('Agents', () => import('./AgentsPane')),
  audit: pane('Audit', () => import('./AuditPane')),
  incidents: pane('Incidents', () => import('./IncidentsPane')),
  immune: pane('Immune', () => import('./ImmunePane')),
  replay: pane('Replay', () => import('./ReplayPane')),
  connect: pane('Connect an agent', () => import('./ConnectPane')),
  work: pane('Agent work', () => import('./WorkPane')),
  logbook: pane('Logbook', () => import('./LogbookPane')),
  report: pane('Alarm report', () => import('./AlarmReportPane')),
  alarmtable: pane('Master alarm table', () => import('./AlarmTablePane')),
};
