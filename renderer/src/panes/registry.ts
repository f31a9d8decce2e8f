// The panes of the control room, loaded on first show so the first paint carries only what is visible.
import { lazy, type ComponentType, type LazyExoticComponent } from 'react';
import type { PaneId } from '../store/layout';

export interface PaneDef {
  title: string;
  component: LazyExoticComponent<ComponentType>;
}

export const PANES: Record<PaneId, PaneDef> = {
  plant: { title: 'Plant', component: lazy(() => import('./PlantPane')) },
  trends: { title: 'Trends', component: lazy(() => import('./TrendsPane')) },
  alarms: { title: 'Alarms', component: lazy(() => import('./AlarmsPane')) },
  approvals: { title: 'Approvals', component: lazy(() => import('./ApprovalsPane')) },
  overview: { title: 'Overview', component: lazy(() => import('./OverviewPane')) },
  agents: { title: 'Agents', component: lazy(() => import('./AgentsPane')) },
  audit: { title: 'Audit', component: lazy(() => import('./AuditPane')) },
  incidents: { title: 'Incidents', component: lazy(() => import('./IncidentsPane')) },
  immune: { title: 'Immune', component: lazy(() => import('./ImmunePane')) },
  replay: { title: 'Replay', component: lazy(() => import('./ReplayPane')) },
  connect: { title: 'Connect an agent', component: lazy(() => import('./ConnectPane')) },
};
