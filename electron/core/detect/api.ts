// Core API handlers for anomalies and alarms. The registry has validated every params object against
// shared/schemas/anomalies.ts; the services below trust their inputs.
import type { AlarmSystem } from '../alarms';
import { operatorOf, type CoreApi } from '../api';
import type { DetectionService } from './service';

export function registerDetectionApi(api: CoreApi, deps: { detection: DetectionService; alarms: AlarmSystem }): void {
  const { detection, alarms } = deps;
  // Who acknowledges, shelves or takes out of service is the authenticated operator (a name in the params is refused).
  api.register('anomalies.active', () => detection.active());
  api.register('anomalies.list', (p) => detection.history(p));
  api.register('anomalies.acknowledge', (p, c) => detection.acknowledge(p.id, operatorOf(c).name, p.note));
  api.register('alarms.list', (p) => alarms.list(p));
  api.register('alarms.acknowledge', (p, c) => alarms.acknowledge(p.id, operatorOf(c).name, p.note));
  api.register('alarms.shelve', (p, c) => alarms.shelve(p.id, operatorOf(c).name, p.reason, p.minutes !== undefined ? p.minutes * 60_000 : undefined));
  api.register('alarms.unshelve', (p, c) => alarms.unshelve(p.id, operatorOf(c).name, p.reason));
  api.register('alarms.outOfService', (p, c) => alarms.setOutOfService(p.id, operatorOf(c).name, p.reason, p.out_of_service));
  api.register('alarms.history', (p) => alarms.history(p));
  api.register('alarms.stats', () => ({ ...alarms.stats(), flood: alarms.floodStatus() }));
}
