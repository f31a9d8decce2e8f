// Disposables: whatever the core acquires (a request handler, an HTTP route, a bus listener, a started
// subsystem, the database) hands back one function that releases it. A scope keeps them in order of
// acquisition and releases them in reverse, so what started last stops first.
import type { CoreApi } from './api';
import type { EventBus } from './bus';

/** Releases what its acquisition took. Calling it twice does nothing the second time. */
export type Disposable = () => void | Promise<void>;

export interface Scope {
  /** Keep a disposer (named for the log when it fails); returns it. */
  add<D extends Disposable>(dispose: D, name?: string): D;
  /** Release everything in reverse order of acquisition. A disposer that fails is reported and the rest still run. */
  dispose(onError?: (err: unknown, name: string) => void): Promise<void>;
  readonly size: number;
}

export function createScope(): Scope {
  const held: Array<{ dispose: Disposable; name: string }> = [];
  return {
    add(dispose, name = 'disposable') {
      held.push({ dispose, name });
      return dispose;
    },
    async dispose(onError = () => {}) {
      for (let h = held.pop(); h; h = held.pop()) {
        try {
          await h.dispose();
        } catch (err) {
          onError(err, h.name);
        }
      }
    },
    get size() {
      return held.length;
    },
  };
}

/** A disposer that runs at most once (a route or listener removed twice must not remove a successor). */
export function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}

/** The bus as a subsystem sees it: every subscription made through it is released with the scope. */
export function scopedBus(bus: EventBus, scope: Scope): EventBus {
  return {
    ...bus,
    on: (name, listener) => scope.add(once(bus.on(name, listener)), `listener ${name}`),
    once: (name, listener) => scope.add(once(bus.once(name, listener)), `listener ${name}`),
    onAny: (listener) => scope.add(once(bus.onAny(listener)), 'listener *'),
  };
}

/** The request registry as the core's wiring sees it: every handler registered through it is removed with the scope. */
export function scopedApi(api: CoreApi, scope: Scope): CoreApi {
  return { ...api, register: (name, handler) => scope.add(api.register(name, handler), `handler ${name}`) };
}
