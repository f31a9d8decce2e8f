// The reading shape of issue 15 (shared/schemas/plant.ts once helper "shape" lands it).
export const QUALITY_REASONS = ['out_of_range', 'stale', 'connector_down', 'bad_payload', 'source'] as const;
export type QualityReason = (typeof QUALITY_REASONS)[number];
export type QualityLevel = 'uncertain' | 'bad';
export interface TagQuality {
  level: QualityLevel;
  reason: QualityReason;
  detail?: string;
}
export interface Reading {
  device_id: string;
  timestamp: string;
  values: Record<string, number>;
  quality?: Record<string, TagQuality>;
}
export interface TimedReading extends Reading {
  ts: number;
}
