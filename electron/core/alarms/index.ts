// ISA-18.2 alarms: life cycle, shelving, out-of-service, suppression by design, chatter, floods, rates.
export { AlarmSystem, type AlarmSystemDeps, type AnalogInput, type ConditionInput } from './alarm-system';
export { alarmsMigrations, createAlarmRepository, type AlarmRepository } from './repository';
export * from './schema';
export { createAlarmService, type AlarmService } from './service';
export { createLimitAlarms, limitAlarmId, type LimitAlarms, type LimitAlarmsDeps, type LimitModelSource } from './limits';
export { computeAlarmReport, onShiftAt, registerAlarmReportApi, type HandoverSpan } from './report';
export { AlarmTable, alarmTableMigrations, registerAlarmTableApi, type AlarmTableDeps, type AlarmTableEdit, type TableModelSource } from './table';
export { priorityOf, seedRows, type ManualSections, type SopSection } from './table-seed';
export { BROKER_ALARM, STORE_ALARM, connectorAlarmId, watchDataPath } from './data-path';
