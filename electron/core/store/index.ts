export { openDatabase, applyMigrations, type Db, type Migration, type OpenOptions } from './database';
export { createReadingsRepository, readingsMigrations, type ReadingsRepository } from './readings';
export { startCheckpointer, type Checkpointer, type CheckpointStats } from './checkpointer';
export { StoreConfigSchema, type StoreConfig } from './config';
