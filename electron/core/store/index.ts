export { openDatabase, applyMigrations, type Db, type Migration, type OpenOptions } from './database';
export { countReadings, createReadingsRepository, readingsMigrations, type ReadingsRepository, type TagSeries } from './readings';
export { ROLLUP_MS } from './chunks';
export { startCheckpointer, type Checkpointer, type CheckpointStats } from './checkpointer';
export { StoreConfigSchema, type StoreConfig } from './config';
