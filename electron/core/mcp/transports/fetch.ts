// fetch for long-lived SDK client transports (the stdio bridge, the operator agent).
// StreamableHTTPClientTransport hands one transport-lifetime AbortSignal to every fetch; undici adds an
// abort listener to it per request and removes it only when the Request is garbage-collected. Nothing
// leaks, but past 1,500 requests between two GCs Node prints MaxListenersExceededWarning on stderr (seen
// in bench:mcp and in a Claude Desktop log). Lift the limit on exactly those signals.
import { setMaxListeners } from 'node:events';

export function createTransportFetch(base: typeof fetch = fetch): typeof fetch {
  const lifted = new WeakSet<AbortSignal>();
  return (input, init) => {
    const signal = init?.signal;
    if (signal && !lifted.has(signal)) {
      setMaxListeners(0, signal);
      lifted.add(signal);
    }
    return base(input, init);
  };
}
