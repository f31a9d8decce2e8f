export { createLogger, createRateLimitedLog, type Logger, type LoggerOptions } from './logger';
export { Tracer, type SpanHandle, type TraceHandle, type TraceSink, type StartTraceInput } from './traces';
export { TraceRepository, observabilityMigrations } from './traces-store';
export { createOtlpTraceExporter, otlpTracesBody, otlpTokenMetricsBody, otlpAttributes, TOKEN_BUCKETS, type OtlpTraceExporter } from './otlp';
export { ObservabilityConfigSchema, LogConfigSchema, type ObservabilityConfig } from './config';
export { costOf } from './costs';
export {
  createMasker,
  defaultMasker,
  maskText,
  maskOptionsFromConfig,
  luhnValid,
  looksLikeCard,
  MaskingConfigSchema,
  DEFAULT_MASK,
  DEFAULT_PATTERNS,
  DEFAULT_KEY_PATTERN,
  MASK,
  type Masker,
  type MaskOptions,
  type MaskPattern,
  type MaskingConfig,
} from './mask';
