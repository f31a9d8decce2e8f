// Intent tokens: single-use EdDSA (Ed25519) JWTs binding one agent, one tool and the exact
// arguments (SHA-256 of their RFC 8785 canonical JSON) to a decision of the gateway. The executor
// redeems them; the jti is stored until the token's exp has passed, so a replay is refused.
import { randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { z } from 'zod';
import type { Clock } from '../clock';
import type { Db } from '../store';
import { canonicalHash } from './canonical';
import type { GatewayKeys } from './keys';

export const TOKEN_ISSUER = 'aegisflow-gateway';
export const TOKEN_AUDIENCE = 'aegisflow-executor';

export const IntentClaimsSchema = z.object({
  agent: z.string(),
  tool: z.string(),
  args_sha256: z.string().regex(/^[0-9a-f]{64}$/),
  policy_version: z.string(),
  approval_id: z.string().nullable(),
  plan_hash: z.string().nullable().optional(),
  plan_step: z.number().int().nullable().optional(),
  iat: z.number(),
  exp: z.number(),
  jti: z.string().min(1),
});
export type IntentClaims = z.infer<typeof IntentClaimsSchema>;

export interface IssueInput {
  agent: string;
  tool: string;
  args: unknown;
  policyVersion: string;
  approvalId: string | null;
  planHash?: string | null;
  planStep?: number | null;
}

export type RedeemResult =
  | { ok: true; claims: IntentClaims }
  | { ok: false; code: 'bad_token' | 'bad_signature' | 'expired' | 'wrong_agent' | 'wrong_tool' | 'args_mismatch' | 'replayed'; message: string };

export class IntentTokens {
  private readonly q;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly keys: GatewayKeys,
    private readonly ttlS: number,
  ) {
    this.q = {
      use: db.prepare('INSERT OR IGNORE INTO gov_used_jti (jti, exp) VALUES (?, ?)'),
      purge: db.prepare('DELETE FROM gov_used_jti WHERE exp < ?'),
    };
  }

  async issue(i: IssueInput): Promise<{ token: string; claims: IntentClaims }> {
    const iat = Math.floor(this.clock.now() / 1000);
    const claims: IntentClaims = {
      agent: i.agent,
      tool: i.tool,
      args_sha256: canonicalHash(i.args),
      policy_version: i.policyVersion,
      approval_id: i.approvalId,
      plan_hash: i.planHash ?? null,
      plan_step: i.planStep ?? null,
      iat,
      exp: iat + this.ttlS,
      jti: randomUUID(),
    };
    const token = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: this.keys.keyId })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .sign(this.keys.privateKey);
    return { token, claims };
  }

  /** Check a token without using it up. */
  async check(token: string, expect: { agent: string; tool: string; args: unknown }): Promise<RedeemResult> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 4096) return { ok: false, code: 'bad_token', message: 'no intent token' };
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys.publicKey, {
        algorithms: ['EdDSA'],
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
        currentDate: new Date(this.clock.now()),
        clockTolerance: 0,
        requiredClaims: ['exp', 'iat', 'jti'],
      }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) return { ok: false, code: 'expired', message: 'intent token expired' };
      if (err instanceof joseErrors.JWSSignatureVerificationFailed) return { ok: false, code: 'bad_signature', message: 'intent token signature is invalid' };
      return { ok: false, code: 'bad_token', message: `intent token rejected: ${(err as Error).message}` };
    }
    const parsed = IntentClaimsSchema.safeParse(payload);
    if (!parsed.success) return { ok: false, code: 'bad_token', message: 'intent token lacks required claims' };
    const c = parsed.data;
    if (c.agent !== expect.agent) return { ok: false, code: 'wrong_agent', message: `intent token was issued to ${c.agent}, not ${expect.agent}` };
    if (c.tool !== expect.tool) return { ok: false, code: 'wrong_tool', message: `intent token is for ${c.tool}, not ${expect.tool}` };
    let argsHash: string;
    try {
      argsHash = canonicalHash(expect.args);
    } catch {
      return { ok: false, code: 'args_mismatch', message: 'arguments cannot be canonicalised' };
    }
    if (c.args_sha256 !== argsHash) return { ok: false, code: 'args_mismatch', message: 'arguments differ from the ones the intent token was issued for' };
    return { ok: true, claims: c };
  }

  /** Check and use up a token: the second redemption of the same jti is refused. */
  async redeem(token: string, expect: { agent: string; tool: string; args: unknown }): Promise<RedeemResult> {
    const r = await this.check(token, expect);
    if (!r.ok) return r;
    if (!this.consume(r.claims)) return { ok: false, code: 'replayed', message: 'intent token was already used' };
    return r;
  }

  /** Use up a checked token's jti. False when it was used before (a replay). */
  consume(claims: IntentClaims): boolean {
    return this.q.use.run(claims.jti, claims.exp).changes === 1;
  }

  /** Forget jtis whose tokens have expired (they can no longer verify anyway). */
  purgeUsed(): number {
    return this.q.purge.run(Math.floor(this.clock.now() / 1000) - 60).changes;
  }
}
