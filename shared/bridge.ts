// The UI-facing surface of the contract: one named, typed method per request and one `on…` method
// per UI event (e.g. `plantSnapshot(params)`, `approvalsDecide(params)`, `onApprovalCreated(cb)`).
// The Electron preload exposes exactly this object through contextBridge; the browser client of serve
// mode builds the same object over WebSocket. Never a generic invoke.
import { REQUEST_NAMES, UI_EVENTS, type EventMap, type Reply, type RequestName, type RequestParams, type RequestResult } from './contract';

type Camel<S extends string> = S extends `${infer A}.${infer B}` ? `${A}${Capitalize<Camel<B>>}` : S;
export type UiEventName = (typeof UI_EVENTS)[number];

export type RequestMethods = {
  [N in RequestName as Camel<N>]: (params: RequestParams<N>) => Promise<Reply<RequestResult<N>>>;
};
export type EventMethods = {
  [E in UiEventName as `on${Capitalize<Camel<E>>}`]: (listener: (payload: EventMap[E]) => void) => () => void;
};
export type BridgeSurface = RequestMethods & EventMethods;

export function methodName(name: string): string {
  return name.replace(/\.([a-zA-Z])/g, (_, c: string) => c.toUpperCase());
}
export function eventMethodName(name: string): string {
  const m = methodName(name);
  return 'on' + m.charAt(0).toUpperCase() + m.slice(1);
}

export type Invoke = (name: RequestName, params: unknown) => Promise<Reply<unknown>>;
export type Subscribe = (name: UiEventName, listener: (payload: unknown) => void) => () => void;

/** Build the surface from two primitives that stay private to the caller (ipcRenderer, a WebSocket). */
export function buildBridge(invoke: Invoke, subscribe: Subscribe): BridgeSurface {
  const surface: Record<string, unknown> = {};
  for (const name of REQUEST_NAMES) surface[methodName(name)] = (params: unknown) => invoke(name, params ?? {});
  for (const name of UI_EVENTS) {
    surface[eventMethodName(name)] = (listener: (payload: unknown) => void) => {
      if (typeof listener !== 'function') throw new TypeError('listener must be a function');
      return subscribe(name, listener);
    };
  }
  return Object.freeze(surface) as BridgeSurface;
}

export const IPC_REQUEST_PREFIX = 'aegisflow:req:';
export const IPC_EVENT_PREFIX = 'aegisflow:evt:';
