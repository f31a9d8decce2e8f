// Streaming anomaly detection: detector bank per device, episodes with type hints, offline runs.
export { DeviceDetector, invertSpd, kindNames } from './detector';
export { DeviceMonitor, classifyEpisode, severityOf, EV_NONE, EV_OPENED, EV_UPDATED, EV_CLOSED, type EpisodeEvidence, type MonitorEvent } from './episodes';
export { runOffline, type OfflineRow, type OfflineResult, type OfflineOptions } from './offline';
export * from './schema';
