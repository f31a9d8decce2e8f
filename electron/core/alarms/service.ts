// The alarm system as a core component: builds the AlarmSystem on its SQLite repository with the master
// alarm table it reads at each raise, ticks it (shelf expiry, delays, chatter decay, flood end) and
// forwards its changes onto the bus.
import type { EventBus } from '../bus';
import type { Clock } from '../clock';
import type { Db } from '../store';
import type { Logger } from '../observability';
import { AlarmSystem } from './alarm-system';
import { createAlarmRepository } from './repository';
import type { AlarmConfig } from './schema';
import { AlarmTable, type AlarmTableDeps } from './table';

export interface AlarmService {
  system: AlarmSystem;
  table: AlarmTable;
  start(): void;
  stop(): void;
}

export function createAlarmService(
  deps: { config: AlarmConfig; db: Db; bus: EventBus; clock: Clock; log: Logger } & Pick<AlarmTableDeps, 'model' | 'manual' | 'audit'>,
): AlarmService {
  const { config, bus, clock, log } = deps;
  const table = new AlarmTable({ db: deps.db, clock, bus, model: deps.model, manual: deps.manual, audit: deps.audit });
  const system = new AlarmSystem({
    config,
    clock,
    repository: createAlarmRepository(deps.db),
    onStoreError: (err, alarmId) => log.error({ err, alarm: alarmId }, 'could not store an alarm change; annunciated anyway'),
    rationale: (id) => table.rationale(id),
  });
  let timer: ReturnType<typeof setInterval> | null = null;
  const offs: Array<() => void> = [];
  return {
    system,
    table,
    start() {
      offs.push(system.onChange((ch) => bus.emit('alarm.changed', ch)));
      offs.push(
        system.onFlood((f) => {
          log.warn({ flood: f }, f.active ? 'alarm flood started' : 'alarm flood ended');
          bus.emit('alarm.flood', f);
        }),
      );
      timer = setInterval(() => {
        try {
          system.tick();
        } catch (err) {
          log.error({ err }, 'alarm tick failed');
        }
      }, config.tickMs);
      timer.unref?.();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
      for (const off of offs.splice(0)) off();
    },
  };
}
