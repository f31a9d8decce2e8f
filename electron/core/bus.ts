// Typed in-process event bus. Listeners are isolated: one that throws is logged and the others
// still run, so a faulty subscriber never stops the plant data flowing.
import type { EventMap, EventName } from '../../shared/contract';

export type Listener<N extends EventName> = (payload: EventMap[N]) => void;

export interface EventBus {
  on<N extends EventName>(name: N, listener: Listener<N>): () => void;
  once<N extends EventName>(name: N, listener: Listener<N>): () => void;
  emit<N extends EventName>(name: N, payload: EventMap[N]): void;
  /** Subscribe to every event (for bridges to UIs and traces). */
  onAny(listener: (name: EventName, payload: unknown) => void): () => void;
  /** Listeners of one event, or of every event and onAny together (the lifecycle test's leak check). */
  listenerCount(name?: EventName): number;
}

export function createBus(onListenerError: (name: string, err: unknown) => void = () => {}): EventBus {
  const listeners = new Map<EventName, Set<(p: unknown) => void>>();
  const anyListeners = new Set<(name: EventName, payload: unknown) => void>();

  const bus: EventBus = {
    on(name, listener) {
      let set = listeners.get(name);
      if (!set) listeners.set(name, (set = new Set()));
      const fn = listener as (p: unknown) => void;
      set.add(fn);
      return () => {
        set.delete(fn);
      };
    },
    once(name, listener) {
      const off = bus.on(name, (payload) => {
        off();
        listener(payload);
      });
      return off;
    },
    emit(name, payload) {
      const set = listeners.get(name);
      if (set) {
        for (const fn of [...set]) {
          try {
            fn(payload);
          } catch (err) {
            onListenerError(name, err);
          }
        }
      }
      for (const fn of [...anyListeners]) {
        try {
          fn(name, payload);
        } catch (err) {
          onListenerError(name, err);
        }
      }
    },
    onAny(listener) {
      anyListeners.add(listener);
      return () => {
        anyListeners.delete(listener);
      };
    },
    listenerCount(name) {
      if (name) return listeners.get(name)?.size ?? 0;
      let n = anyListeners.size;
      for (const set of listeners.values()) n += set.size;
      return n;
    },
  };
  return bus;
}
