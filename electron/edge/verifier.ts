// The edge verifier: what a device — or the edge gateway in front of a real plant's PLCs — runs on every
// command from AegisFlow before acting on it (seed 003: the infrastructure is the enforcer). The
// gateway's decision is not taken on trust: the message must carry the gateway's single-use intent
// token, and the device checks it itself — Ed25519 signature with the gateway's public key, issuer
// and audience, expiry, the tool (execute_device_command), that the arguments are the ones the token
// was issued for (SHA-256 of their RFC 8785 canonical JSON), that they name this device, and that the
// token was never used here before (its own replay store). Only then may it act, and it acts on what
// it derives from those verified arguments, never on any other field of the message. It then answers
// with an acknowledgement (accepted / refused + reason) on aegisflow/acks/{device_id}.
//
// Dependency-free on purpose (node:crypto and ./canonical.ts only): copy electron/edge/ into the
// gateway of a real plant. docs/EDGE.md shows how.
import { createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto';
import { canonicalHash } from './canonical';

/** The only tool whose tokens a device accepts. */
export const COMMAND_TOOL = 'execute_device_command';
export const TOKEN_ISSUER = 'aegisflow-gateway';
export const TOKEN_AUDIENCE = 'aegisflow-executor';
export const COMMAND_TOPIC_PREFIX = 'aegisflow/commands/';
export const ACK_TOPIC_PREFIX = 'aegisflow/acks/';
export const commandTopic = (deviceId: string) => COMMAND_TOPIC_PREFIX + deviceId;
export const ackTopic = (deviceId: string) => ACK_TOPIC_PREFIX + deviceId;

/** What the governance executor publishes on aegisflow/commands/{device_id} (JSON). */
export interface CommandMessage {
  /** The exact arguments of the execute_device_command call the token was issued for. */
  args: Record<string, unknown>;
  /** The gateway's single-use EdDSA JWT for exactly those arguments. */
  intent_token: string;
}

export type RefusalCode =
  | 'malformed'
  | 'bad_token'
  | 'bad_signature'
  | 'wrong_issuer'
  | 'expired'
  | 'not_yet_valid'
  | 'issued_before_start'
  | 'wrong_tool'
  | 'args_mismatch'
  | 'wrong_device'
  | 'replayed'
  | 'replay_store_full'
  /** The token was good but the device cannot do it (bad parameters, wrong state): its own reason. */
  | 'device_rejected'
  | 'unknown_device';

/** What a device publishes on aegisflow/acks/{device_id} (JSON) after every command message. */
export interface CommandAck {
  device_id: string;
  /** The token's id; null unless the token's signature verified (an unverified jti is an attacker's word). */
  jti: string | null;
  status: 'accepted' | 'refused';
  code?: RefusalCode;
  reason?: string;
  /** The command as the device understood it from the verified arguments (accepted only). */
  command?: string;
  at: string;
}

/** A command that passed every check: act on these fields only. */
export interface VerifiedCommand {
  jti: string;
  /** The agent the gateway issued the token to. */
  agent: string;
  approvalId: string | null;
  /** Token expiry (epoch seconds). */
  exp: number;
  command: string;
  params: Record<string, unknown>;
  args: Record<string, unknown>;
}

export type VerifyResult = { ok: true; command: VerifiedCommand } | { ok: false; code: RefusalCode; reason: string; jti: string | null };

/** Remembers used token ids until they expire. */
export interface ReplayStore {
  /** Record jti (valid until expS); 'replayed' when it was seen before, 'full' when nothing more fits. */
  use(jti: string, expS: number, nowS: number): 'ok' | 'replayed' | 'full';
}

/**
 * In-memory replay store, bounded: expired ids are dropped as time passes; when maxEntries unexpired ids
 * are held, new commands are refused (fail closed) rather than forgetting one that could be replayed.
 */
export function memoryReplayStore(maxEntries = 100_000): ReplayStore & { size(): number } {
  const used = new Map<string, number>();
  let lastPurge = -Infinity;
  const purge = (nowS: number) => {
    for (const [jti, exp] of used) if (exp < nowS) used.delete(jti);
    lastPurge = nowS;
  };
  return {
    use(jti, expS, nowS) {
      if (nowS > lastPurge || used.size >= maxEntries) purge(nowS);
      if (used.has(jti)) return 'replayed';
      if (used.size >= maxEntries) return 'full';
      used.set(jti, expS);
      return 'ok';
    },
    size: () => used.size,
  };
}

export interface VerifierOptions {
  /** The gateway's Ed25519 public key (<data>/keys/gateway-ed25519.pub.pem, SPKI PEM) or a KeyObject. */
  publicKey: KeyObject | string;
  /** Epoch ms (default Date.now). */
  now?: () => number;
  /** Seconds of clock difference tolerated between gateway and device (default 0). */
  clockToleranceS?: number;
  /** Default: an in-memory store. A store that survives restarts may set notBefore to null. */
  replayStore?: ReplayStore;
  /**
   * Refuse tokens issued before this time (epoch ms). Default with the in-memory store: the moment the
   * verifier was created, because a restarted device has forgotten which tokens it already used.
   * null: no such check (only with a persistent replay store).
   */
  notBefore?: number | null;
  maxTokenChars?: number;
}

export interface CommandVerifier {
  /** Check one command message for this device; uses the token up when every check passes. */
  verify(deviceId: string, message: unknown): VerifyResult;
}

const B64URL = /^[A-Za-z0-9_-]*$/;
const HEX64 = /^[0-9a-f]{64}$/;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

function decodeJson(part: string): unknown {
  if (!B64URL.test(part)) return undefined;
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The command's parameters as execute_device_command's arguments carry them: `params` (an object), or
 * `parameters` (an object or JSON text of one), else none. Returns a reason when they are unusable.
 */
export function commandParamsOf(args: Record<string, unknown>): Record<string, unknown> | string {
  if (args.params !== undefined) return isPlainObject(args.params) ? args.params : 'params must be an object';
  const p = args.parameters;
  if (p === undefined || p === null) return {};
  if (isPlainObject(p)) return p;
  if (typeof p !== 'string') return 'parameters must be an object or JSON text of one';
  if (p.trim() === '') return {};
  try {
    const v = JSON.parse(p) as unknown;
    return isPlainObject(v) ? v : 'parameters must be a JSON object';
  } catch {
    return 'parameters is not valid JSON';
  }
}

export function createCommandVerifier(opts: VerifierOptions): CommandVerifier {
  const key = typeof opts.publicKey === 'string' ? createPublicKey(opts.publicKey) : opts.publicKey;
  if (key.type !== 'public' || key.asymmetricKeyType !== 'ed25519') throw new Error('the gateway key must be an Ed25519 public key');
  const now = opts.now ?? Date.now;
  const tol = opts.clockToleranceS ?? 0;
  const store = opts.replayStore ?? memoryReplayStore();
  const notBefore = opts.notBefore === undefined ? (opts.replayStore ? null : now()) : opts.notBefore;
  const maxTokenChars = opts.maxTokenChars ?? 4096;

  const refuse = (code: RefusalCode, reason: string, jti: string | null = null): VerifyResult => ({ ok: false, code, reason, jti });

  return {
    verify(deviceId, message) {
      if (!isPlainObject(message)) return refuse('malformed', 'command message must be a JSON object');
      const token = message.intent_token;
      if (typeof token !== 'string' || token.length === 0) return refuse('bad_token', 'command carries no intent token');
      if (token.length > maxTokenChars) return refuse('bad_token', 'intent token is too long');
      const parts = token.split('.');
      if (parts.length !== 3) return refuse('bad_token', 'intent token is not a JWS compact token');
      const [h, p, s] = parts as [string, string, string];
      const header = decodeJson(h);
      if (!isPlainObject(header) || header.alg !== 'EdDSA' || header.crit !== undefined) return refuse('bad_token', 'intent token must be signed with EdDSA');
      if (!B64URL.test(s) || s.length === 0) return refuse('bad_signature', 'intent token signature is invalid');
      let signed: boolean;
      try {
        signed = verifySignature(null, Buffer.from(`${h}.${p}`, 'ascii'), key, Buffer.from(s, 'base64url'));
      } catch {
        signed = false;
      }
      if (!signed) return refuse('bad_signature', 'intent token signature is invalid');
      const c = decodeJson(p);
      if (!isPlainObject(c)) return refuse('bad_token', 'intent token payload is not a JSON object');
      const jti = typeof c.jti === 'string' && c.jti.length > 0 && c.jti.length <= 200 ? c.jti : null;
      if (
        !jti ||
        typeof c.exp !== 'number' ||
        typeof c.iat !== 'number' ||
        typeof c.agent !== 'string' ||
        typeof c.tool !== 'string' ||
        typeof c.args_sha256 !== 'string' ||
        !HEX64.test(c.args_sha256)
      )
        return refuse('bad_token', 'intent token lacks required claims', jti);
      const aud = Array.isArray(c.aud) ? c.aud : [c.aud];
      if (c.iss !== TOKEN_ISSUER || !aud.includes(TOKEN_AUDIENCE))
        return refuse('wrong_issuer', 'intent token is not from the AegisFlow gateway for its executor', jti);
      const nowS = Math.floor(now() / 1000);
      if (c.exp <= nowS - tol) return refuse('expired', 'intent token expired', jti);
      if (c.iat > nowS + tol || (typeof c.nbf === 'number' && c.nbf > nowS + tol)) return refuse('not_yet_valid', 'intent token is not valid yet', jti);
      if (notBefore !== null && c.iat + tol < Math.floor(notBefore / 1000))
        return refuse('issued_before_start', 'intent token was issued before this device started (its used tokens are not remembered across restarts)', jti);
      if (c.tool !== COMMAND_TOOL) return refuse('wrong_tool', `intent token is for ${c.tool}, not ${COMMAND_TOOL}`, jti);
      const args = message.args;
      if (!isPlainObject(args)) return refuse('malformed', 'command message carries no arguments object', jti);
      let hash: string;
      try {
        hash = canonicalHash(args);
      } catch {
        return refuse('malformed', 'arguments cannot be canonicalised', jti);
      }
      if (hash !== c.args_sha256) return refuse('args_mismatch', 'arguments differ from the ones the intent token was issued for', jti);
      if (args.device_id !== deviceId) return refuse('wrong_device', `the command is for ${String(args.device_id)}, not ${deviceId}`, jti);
      if (typeof args.command !== 'string') return refuse('malformed', 'arguments name no command', jti);
      const params = commandParamsOf(args);
      if (typeof params === 'string') return refuse('malformed', params, jti);
      const used = store.use(jti, c.exp, nowS);
      if (used === 'replayed') return refuse('replayed', 'intent token was already used', jti);
      if (used === 'full') return refuse('replay_store_full', 'too many unexpired tokens remembered; refusing until some expire', jti);
      return {
        ok: true,
        command: { jti, agent: c.agent, approvalId: typeof c.approval_id === 'string' ? c.approval_id : null, exp: c.exp, command: args.command, params, args },
      };
    },
  };
}

/** The acknowledgement for a verification result (and, when the device then refused, its reason). */
export function commandAck(deviceId: string, r: VerifyResult, at: string, deviceRefusal?: string): CommandAck {
  if (!r.ok) return { device_id: deviceId, jti: r.jti, status: 'refused', code: r.code, reason: r.reason, at };
  if (deviceRefusal) return { device_id: deviceId, jti: r.command.jti, status: 'refused', code: 'device_rejected', reason: deviceRefusal, at };
  return { device_id: deviceId, jti: r.command.jti, status: 'accepted', command: r.command.command, at };
}
