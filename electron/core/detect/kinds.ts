// The detectors of a bank, as bits: a row's or a sensor's hits are one mask.
import type { DetectorKind } from './schema';

export const KIND_LEVEL = 1;
export const KIND_DRIFT = 2;
export const KIND_VARIANCE = 4;
export const KIND_CROSS = 8;
export const KIND_ZSCORE = 16;
export const KIND_STUCK = 32;

export function kindNames(mask: number): DetectorKind[] {
  const out: DetectorKind[] = [];
  if (mask & KIND_LEVEL) out.push('level');
  if (mask & KIND_DRIFT) out.push('drift');
  if (mask & KIND_VARIANCE) out.push('variance');
  if (mask & KIND_CROSS) out.push('cross');
  if (mask & KIND_ZSCORE) out.push('zscore');
  if (mask & KIND_STUCK) out.push('stuck');
  return out;
}
