// Operators are people with identities (issue 13): accounts with roles, authenticated sessions.
// Plain types only: no Node, no DOM.

/**
 * Roles, least to most. viewer: read only. operator: run the plant (acknowledge, shelve, approve
 * agent actions, pause agents). supervisor: what a rule's approver_role may ask for beyond operator.
 * admin: accounts and agent registration.
 */
export const OPERATOR_ROLES = ['viewer', 'operator', 'supervisor', 'admin'] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

/** Who an authenticated session belongs to. */
export interface OperatorIdentity {
  id: string;
  name: string;
  roles: OperatorRole[];
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

export const ANONYMOUS: Caller = Object.freeze({ operator: null, via: 'internal' }) as Caller;
