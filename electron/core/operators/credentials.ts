// Operator credentials: scrypt (RFC 7914) with a per-account salt, in one self-describing string
// `scrypt$N$r$p$salt$hash`, so the cost can be raised later without breaking stored accounts.
import crypto from 'node:crypto';

// N=2^15, r=8: ~32 MiB and ~60 ms per check on this machine's class of CPU (OWASP's scrypt floor is N=2^17 with
// r=8 at p=1 for servers; a control-room console logs in a few times a shift, and a lower N keeps tests quick).
const DEFAULT = { N: 1 << 15, r: 8, p: 1, keyLen: 32 };

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;

function scrypt(password: string, salt: Buffer, N: number, r: number, p: number, keyLen: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    crypto.scrypt(password.normalize('NFKC'), salt, keyLen, { N, r, p, maxmem: 256 * N * r }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function hashPassword(password: string, cost: Partial<typeof DEFAULT> = {}): Promise<string> {
  const c = { ...DEFAULT, ...cost };
  const salt = crypto.randomBytes(16);
  const key = await scrypt(password, salt, c.N, c.r, c.p, c.keyLen);
  return `scrypt$${c.N}$${c.r}$${c.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Constant-time check; a malformed stored credential never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0)) return false;
  const expected = Buffer.from(parts[5], 'base64url');
  const key = await scrypt(password, Buffer.from(parts[4], 'base64url'), N, r, p, expected.length);
  return key.length === expected.length && crypto.timingSafeEqual(key, expected);
}

/** A credential that cannot be verified by any password (used to equalise timing for unknown names). */
export const DUMMY_CREDENTIAL = `scrypt$${DEFAULT.N}$${DEFAULT.r}$${DEFAULT.p}$${Buffer.alloc(16).toString('base64url')}$${Buffer.alloc(32).toString('base64url')}`;

export function passwordProblem(password: unknown): string | null {
  if (typeof password !== 'string') return 'password must be a string';
  if (password.length < PASSWORD_MIN) return `password must have at least ${PASSWORD_MIN} characters`;
  if (password.length > PASSWORD_MAX) return `password must have at most ${PASSWORD_MAX} characters`;
  return null;
}
