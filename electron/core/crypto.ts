// The one constant-time comparison of secrets (setup codes, broker passwords, ingest tokens).
// Both sides are hashed first, so neither the content nor the length of the expected secret shows
// in the time a wrong guess takes.
import crypto from 'node:crypto';

export function safeEqual(a: string, b: string): boolean {
  const x = crypto.createHash('sha256').update(a, 'utf8').digest();
  const y = crypto.createHash('sha256').update(b, 'utf8').digest();
  return crypto.timingSafeEqual(x, y) && a === b;
}
