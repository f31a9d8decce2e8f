export { createLogger, createRateLimitedLog, type Logger, type LoggerOptions } from './logger';
