// The request side of shared/contract.ts: subsystems register handlers, transports (IPC, WebSocket,
// tests) call them and always get a Reply envelope, never a thrown exception.
import type { RequestName, RequestParams, RequestResult, Reply } from '../../shared/contract';
import { ANONYMOUS, type Caller } from '../../shared/operators';

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
      handlers.set(name, handler as unknown as Handler<RequestName>);
    },
    async call(name, params, caller = ANONYMOUS) {
      const h = handlers.get(name);
      if (!h) return { ok: false, error: { code: 'unknown_request', message: `no such request: ${String(name)}` } };
      try {
        const result = await h(params as never, caller);
        return { ok: true, result: result as RequestResult<typeof name> };
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
