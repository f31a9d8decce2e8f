// Streaming anomaly detection: detector bank per device, episodes with type hints, the live service
// (ingest → episodes → alarms), and offline runs (CLI, evaluation).
export { DeviceDetector } from './detector';
export { invertSpd } from './robust';
export { kindNames } from './kinds';
export { DeviceMonitor, EV_NONE, EV_OPENED, EV_UPDATED, EV_CLOSED, type MonitorEvent } from './episodes';
export { classifyEpisode, typeFromInvolvement, involvementOf, severityOf, type EpisodeEvidence } from './classify';
export { runOffline, type OfflineRow, type OfflineResult, type OfflineOptions } from './offline';
export { createAnomalyRepository, detectMigrations, type AnomalyRepository } from './repository';
export { createDetectionService, anomalyAlarmId, commAlarmId, type DetectionService, type DetectionCounters } from './service';
export * from './schema';
export { registerDetectionApi } from './api';
