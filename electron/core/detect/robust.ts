// Small numeric helpers for learning: order statistics and the inverse of a covariance.

export function median(xs: Float64Array): number {
  const s = Float64Array.from(xs).sort();
  const n = s.length;
  if (n === 0) return 0;
  return n % 2 ? s[(n - 1) >> 1] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

export function quantile(xs: Float64Array, q: number): number {
  const s = Float64Array.from(xs).sort();
  if (s.length === 0) return 0;
  return s[Math.min(s.length - 1, Math.max(0, Math.floor(q * (s.length - 1))))];
}

/** Inverse of a symmetric positive-definite matrix (Gauss-Jordan with a ridge for near-singular training data). */
export function invertSpd(a: Float64Array, d: number, ridge = 1e-6): Float64Array {
  const m = new Float64Array(d * 2 * d);
  let trace = 0;
  for (let i = 0; i < d; i++) trace += a[i * d + i];
  const lam = ridge * Math.max(trace / d, 1e-12);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) m[i * 2 * d + j] = a[i * d + j] + (i === j ? lam : 0);
    m[i * 2 * d + d + i] = 1;
  }
  for (let c = 0; c < d; c++) {
    let p = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(m[r * 2 * d + c]) > Math.abs(m[p * 2 * d + c])) p = r;
    if (p !== c) {
      for (let k = 0; k < 2 * d; k++) {
        const t = m[c * 2 * d + k];
        m[c * 2 * d + k] = m[p * 2 * d + k];
        m[p * 2 * d + k] = t;
      }
    }
    const piv = m[c * 2 * d + c] || 1e-12;
    for (let k = 0; k < 2 * d; k++) m[c * 2 * d + k] /= piv;
    for (let r = 0; r < d; r++) {
      if (r === c) continue;
      const f = m[r * 2 * d + c];
      if (f === 0) continue;
      for (let k = 0; k < 2 * d; k++) m[r * 2 * d + k] -= f * m[c * 2 * d + k];
    }
  }
  const inv = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) inv[i * d + j] = m[i * 2 * d + d + j];
  return inv;
}
