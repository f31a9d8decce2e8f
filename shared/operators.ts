// Operators are people with identities (issue 13): accounts with roles, authenticated sessions.
// Plain types only: no Node, no DOM.

/**
 * Base roles, least to most; each includes the ones before it. viewer: read only. operator: run the
 * plant (acknowledge, shelve, approve agent actions, pause agents). supervisor: an operator whom policy
 * rules can ask for (`approver_role: supervisor`). admin: operator accounts and agent registration.
 * An account may also hold site-specific roles (e.g. `shift_lead`) that policy rules name as approver_role;
 * those grant nothing beyond viewer by themselves.
 */
export const BASE_ROLES = ['viewer', 'operator', 'supervisor', 'admin'] as const;
export type BaseRole = (typeof BASE_ROLES)[number];
export const ROLE_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;

/** Who an authenticated session belongs to. */
export interface OperatorIdentity {
  id: string;
  name: string;
  roles: string[];
}

/** Does this identity hold `role` (a base role through the hierarchy, any other role by name)? */
export function hasRole(who: OperatorIdentity | null | undefined, role: string): boolean {
  if (!who) return false;
  const rank = (BASE_ROLES as readonly string[]).indexOf(role);
  if (rank < 0) return who.roles.includes(role);
  return who.roles.some((r) => (BASE_ROLES as readonly string[]).indexOf(r) >= rank) || (rank === 0 && who.roles.length > 0);
}

/** An operator account as an admin sees it (never the credential). */
export type { OperatorAccount } from './schemas/operators';

/** What the login screen needs before anyone is logged in. */
export interface AuthState {
  /** No operator account exists yet: the first-run setup creates the first admin. */
  setupRequired: boolean;
  operator: OperatorIdentity | null;
  /** The console locks after this many seconds without input (0: never). */
  idleLockS: number;
}

/**
 * Who is calling a core request. `operator` is null for a caller without a session; requests that act
 * for a person refuse it. The transport (WebSocket bridge, IPC, REST) fills this from its session.
 */
export interface Caller {
  operator: OperatorIdentity | null;
  via: 'ws' | 'ipc' | 'rest' | 'internal';
  /** The session the call came through (so a request can end it: logout, lock). */
  sessionId?: string;
}

export const ANONYMOUS: Caller = Object.freeze({ operator: null, via: 'internal' });

/**
 * Logging in, for the page: over REST in a browser (the session is an HttpOnly cookie), over IPC in the
 * desktop shell (the main process keeps the session; the page never holds it). Named methods only.
 */
export interface AuthSurface {
  state(): Promise<AuthState>;
  login(name: string, password: string): Promise<AuthReply>;
  /** First-run setup: the first admin account. `code` is the one-time setup code (the desktop shell supplies its own). */
  setup(code: string, name: string, password: string): Promise<AuthReply>;
  logout(): Promise<AuthState>;
}
export type AuthReply = { ok: true; result: AuthState } | { ok: false; error: { code: string; message: string } };

export const AUTH_CHANNELS = {
  state: 'aegisflow:auth:state',
  login: 'aegisflow:auth:login',
  setup: 'aegisflow:auth:setup',
  logout: 'aegisflow:auth:logout',
} as const;

export function buildAuthBridge(invoke: (channel: string, arg?: unknown) => Promise<unknown>): AuthSurface {
  return Object.freeze({
    state: () => invoke(AUTH_CHANNELS.state) as Promise<AuthState>,
    login: (name: string, password: string) => invoke(AUTH_CHANNELS.login, { name, password }) as Promise<AuthReply>,
    setup: (code: string, name: string, password: string) => invoke(AUTH_CHANNELS.setup, { code, name, password }) as Promise<AuthReply>,
    logout: () => invoke(AUTH_CHANNELS.logout) as Promise<AuthState>,
  });
}
