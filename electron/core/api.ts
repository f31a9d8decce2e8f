// The request side of shared/contract.ts: subsystems register handlers, transports (IPC, WebSocket,
// tests) call them and always get a Reply envelope, never a thrown exception. Every request's params
// are checked here against its schema (shared/schemas), so handlers receive typed, validated input.
import { z } from 'zod';
import { REQUEST_ROLES, type ErrorInfo, type RequestName, type RequestParams, type RequestResult, type Reply, type ValidParams } from '../../shared/contract';
import { ANONYMOUS, hasRole, type Caller, type OperatorIdentity } from '../../shared/operators';
import { REQUEST_SCHEMAS } from '../../shared/schemas';

export type Handler<N extends RequestName> = (params: ValidParams<N>, caller: Caller) => RequestResult<N> | Promise<RequestResult<N>>;

/** An error with a stable code that crosses the contract as { code, message }. */
export class CoreError extends Error {
  constructor(
    public readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'CoreError';
  }
}

/** The authenticated operator behind a call (handlers run only for callers with one). */
export function operatorOf(caller: Caller): OperatorIdentity {
  if (!caller.operator) throw new CoreError('unauthenticated', 'log in as an operator first');
  return caller.operator;
}

/** Each problem as "field.path: reason", the field named so the operator (or agent) can fix it. */
export function describeIssues(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.map(String).join('.') || '(params)'}: ${i.message}`).join('; ');
}

// Our domain errors (CoreError, AgentError, ApprovalError, GovernanceError, OperatorError, AgentRunError …)
// carry lower-case snake_case codes; Node's and SQLite's carry upper-case ones (ENOENT, SQLITE_BUSY), which
// are internal and must not pose as contract codes.
const CONTRACT_CODE = /^[a-z][a-z0-9_]*$/;

/** The one mapping of a thrown error to the contract's { code, message }. */
export function toErrorInfo(err: unknown): ErrorInfo {
  if (err instanceof z.ZodError) return { code: 'invalid_params', message: describeIssues(err) };
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && CONTRACT_CODE.test(code)) return { code, message: err.message };
    return { code: 'internal', message: err.message };
  }
  return { code: 'internal', message: String(err) };
}

export interface CoreApi {
  register<N extends RequestName>(name: N, handler: Handler<N>): void;
  /** `caller` says who asks (the transport's session); without one the caller is anonymous. */
  call<N extends RequestName>(name: N, params: RequestParams<N>, caller?: Caller): Promise<Reply<RequestResult<N>>>;
  has(name: string): name is RequestName;
  names(): RequestName[];
}

export function createApi(): CoreApi {
  const handlers = new Map<RequestName, Handler<RequestName>>();
  return {
    register(name, handler) {
      if (handlers.has(name)) throw new Error(`handler for ${name} registered twice`);
      handlers.set(name, handler);
    },
    async call(name, params, caller = ANONYMOUS) {
      const h = handlers.get(name);
      if (!h) return { ok: false, error: { code: 'unknown_request', message: `no such request: ${String(name)}` } };
      // The one place every transport passes: no session, no request; the request's role or nothing.
      const role = REQUEST_ROLES[name];
      if (!caller.operator) return { ok: false, error: { code: 'unauthenticated', message: 'log in as an operator first' } };
      if (!hasRole(caller.operator, role))
        return {
          ok: false,
          error: { code: 'forbidden', message: `${name} needs the ${role} role; ${caller.operator.name} has ${caller.operator.roles.join(', ')}` },
        };
      // ...and params of the request's shape or nothing: the handler never sees anything else.
      const schema: z.ZodType<ValidParams<RequestName>> = REQUEST_SCHEMAS[name].params;
      const parsed = schema.safeParse(params ?? {});
      if (!parsed.success) return { ok: false, error: { code: 'invalid_params', message: describeIssues(parsed.error) } };
      try {
        const result = await h(parsed.data, caller);
        return { ok: true, result: result as RequestResult<typeof name> };
      } catch (err) {
        return { ok: false, error: toErrorInfo(err) };
      }
    },
    has(name): name is RequestName {
      return handlers.has(name as RequestName);
    },
    names: () => [...handlers.keys()],
  };
}
