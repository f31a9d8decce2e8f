// The request side of shared/contract.ts: subsystems register handlers, transports (IPC, WebSocket,
// tests) call them and always get a Reply envelope, never a thrown exception.
import { REQUEST_ROLES, type RequestName, type RequestParams, type RequestResult, type Reply } from '../../shared/contract';
import { ANONYMOUS, hasRole, type Caller, type OperatorIdentity } from '../../shared/operators';

export type Handler<N extends RequestName> = (params: RequestParams<N>, caller: Caller) => RequestResult<N> | Promise<RequestResult<N>>;

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

export interface CoreApi {
  /** Returns the handler's disposer: the name is free again once it runs. */
  register<N extends RequestName>(name: N, handler: Handler<N>): () => void;
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
      const h = handler as unknown as Handler<RequestName>;
      handlers.set(name, h);
      return () => {
        if (handlers.get(name) === h) handlers.delete(name);
      };
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
      try {
        const result = await h(params, caller);
        return { ok: true, result: result };
      } catch (err) {
        if (err instanceof CoreError) return { ok: false, error: { code: err.code, message: err.message } };
        return { ok: false, error: { code: 'internal', message: (err as Error)?.message ?? String(err) } };
      }
    },
    has(name): name is RequestName {
      return handlers.has(name as RequestName);
    },
    names: () => [...handlers.keys()],
  };
}
