// The data path's own alarms (issues 15, 19): an unreachable external broker and a connector that cannot
// reach its source are communication alarms; readings that cannot be stored (disk full) a system alarm.
// Their ids are the master alarm table's (table-seed.ts).
import type { EventBus } from '../bus';
import type { AlarmSystem } from './alarm-system';

export const BROKER_ALARM = 'broker:communication';
export const STORE_ALARM = 'store:readings';
export const connectorAlarmId = (connector: string) => `connector:${connector}:communication`;

/** Subscribe the alarm system to the data path's events (on the caller's bus: released with it). */
export function watchDataPath(bus: EventBus, alarms: AlarmSystem): void {
  bus.on('broker.connection', (e) =>
    alarms.setCondition(BROKER_ALARM, {
      active: !e.connected,
      source: 'broker',
      kind: 'communication',
      priority: 'high',
      message: e.connected ? `MQTT broker ${e.url} reachable again` : `no connection to the MQTT broker ${e.url}: readings are not arriving`,
    }),
  );
  bus.on('connector.status', (s) => {
    const id = connectorAlarmId(s.id);
    if (s.state !== 'down' && !alarms.find(id)) return; // never down: no alarm to clear
    alarms.setCondition(id, {
      active: s.state === 'down' || s.state === 'connecting', // reconnecting is not reading yet: the alarm stays until data can flow
      source: `connector:${s.id}`,
      kind: 'communication',
      priority: 'high',
      message:
        s.state === 'down' || s.state === 'connecting'
          ? `connector ${s.id} (${s.type}) cannot reach ${s.endpoint}: its tags are not updating (${s.lastError ?? (s.state === 'connecting' ? 'reconnecting' : 'no reason given')})`
          : `connector ${s.id} is ${s.state === 'connected' ? `reading from ${s.endpoint} again` : 'stopped'}`,
    });
  });
  bus.on('ingest.storage', (e) =>
    alarms.setCondition(STORE_ALARM, {
      active: !e.ok,
      source: 'storage',
      kind: 'system',
      priority: 'high',
      message: e.ok ? 'readings are stored again' : `readings cannot be stored (${e.error}): ${e.waiting} held in memory and retried`,
    }),
  );
}
