// The WebSocket bridge of shared/contract.ts at /ws: the same requests and UI events the Electron
// preload exposes. An upgrade passes the same door as a request (Host, Origin, an operator session);
// each message runs as that session's operator as the registry knows them now.
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import { UI_EVENTS, type EventName } from '../../../shared/contract';
import { createReadingsThrottle, type ReadingsDropped } from '../../../shared/readings-throttle';
import type { CoreApi } from '../api';
import type { EventBus } from '../bus';
import type { Logger } from '../observability';
import type { OperatorAuth } from '../operators';

const WsRequest = z.object({
  id: z.union([z.number(), z.string()]),
  type: z.literal('request'),
  name: z.string().max(100),
  params: z.unknown().optional(),
});

export interface WsBridgeDeps {
  api: CoreApi;
  bus: EventBus;
  operators: OperatorAuth;
  log: Logger;
  /** The door's verdict on an upgrade: the session to run as, or the status line that refuses it. */
  admit(req: http.IncomingMessage): { sessionId: string } | { refuse: string };
  /** Told of every readings batch the throttle thinned (the count also goes to the pages as 'readings.dropped'). */
  onDrop?(report: ReadingsDropped): void;
}

/** Attach /ws to a server. Returns the disposer: it closes every socket and the bridge's subscriptions. */
export function attachWsBridge(srv: http.Server, deps: WsBridgeDeps): () => Promise<void> {
  const { api, bus, operators, log } = deps;
  const wss = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024 });
  /** Open WebSockets and the session each runs as. */
  const sockets = new Map<WebSocket, string>();

  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/ws') return socket.destroy();
    const verdict = deps.admit(req);
    if ('refuse' in verdict) {
      log.warn({ host: req.headers.host, origin: req.headers.origin, status: verdict.refuse }, 'WebSocket upgrade refused');
      socket.end(`HTTP/1.1 ${verdict.refuse}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    const { sessionId } = verdict;
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.set(ws, sessionId);
      wss.emit('connection', ws, req);
    });
  };
  srv.on('upgrade', onUpgrade);

  const send = (ws: WebSocket, msg: unknown) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
  };
  const answer = async (ws: WebSocket, data: Buffer) => {
    let msg: z.infer<typeof WsRequest>;
    try {
      msg = WsRequest.parse(JSON.parse(data.toString('utf8')));
    } catch (err) {
      return send(ws, { type: 'error', error: { code: 'bad_message', message: (err as Error).message.slice(0, 300) } });
    }
    const caller = operators.callerFor(sockets.get(ws), 'ws');
    if (!caller) {
      send(ws, { type: 'reply', id: msg.id, reply: { ok: false, error: { code: 'unauthenticated', message: 'the session has ended: log in again' } } });
      ws.close(4401, 'session ended');
      return;
    }
    const reply = api.has(msg.name)
      ? await api.call(msg.name, msg.params ?? {}, caller)
      : { ok: false as const, error: { code: 'unknown_request', message: `no such request: ${msg.name}` } };
    send(ws, { type: 'reply', id: msg.id, reply });
  };
  wss.on('connection', (ws: WebSocket) => {
    ws.on('close', () => sockets.delete(ws));
    ws.on('error', () => sockets.delete(ws));
    ws.on('message', (data) => void answer(ws, data as Buffer));
  });

  // Events fan out to every connected UI; a socket that lags 4 MB behind misses frames rather than
  // growing the heap.
  const broadcast = (name: EventName, payload: unknown) => {
    const text = JSON.stringify({ type: 'event', name, payload });
    for (const ws of sockets.keys()) if (ws.readyState === ws.OPEN && ws.bufferedAmount < 4 * 1024 * 1024) ws.send(text);
  };
  const readings = createReadingsThrottle<unknown>({
    send: (batch) => broadcast('readings', batch),
    onDrop: (report) => {
      broadcast('readings.dropped', report);
      deps.onDrop?.(report);
    },
  });
  const uiEvents = new Set<string>(UI_EVENTS);
  const offBus = bus.onAny((name, payload) => {
    if (!uiEvents.has(name) || sockets.size === 0) return;
    if (name === 'readings') readings.push(payload as unknown[]);
    else broadcast(name, payload);
  });
  // A session that ends (logout, idle, removed account) closes its sockets: 4401 tells the page to log in.
  const offSessions = operators.sessions.onEnd((key, why) => {
    for (const [ws, k] of sockets) if (k === key) ws.close(4401, `session ended: ${why}`.slice(0, 120));
  });

  return async () => {
    offBus();
    offSessions();
    readings.dispose();
    srv.off('upgrade', onUpgrade);
    for (const ws of sockets.keys()) ws.terminate();
    sockets.clear();
    await new Promise<void>((r) => wss.close(() => r()));
  };
}
