// The Node-native Streamable HTTP transport on its own: a real node:http server on port 0, the SDK's
// McpServer on top, the SDK's Client (StreamableHTTPClientTransport) and raw fetch on the wire.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type net from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { jsonRpcShape, NodeStreamableHttpTransport } from './nodeStreamableHttp';

interface Rig {
  url: string;
  sessions: Map<string, { transport: NodeStreamableHttpTransport; server: McpServer }>;
  release: () => void;
  close: () => Promise<void>;
}

let rig: Rig;
let clients: Client[] = [];

async function startRig(): Promise<Rig> {
  const sessions: Rig['sessions'] = new Map();
  let release: () => void = () => {};
  const gate = () => new Promise<void>((r) => (release = r));
  const makeServer = () => {
    const s = new McpServer({ name: 't', version: '1' });
    s.registerTool('echo', { description: 'echo', inputSchema: { text: z.string() }, outputSchema: { text: z.string() } }, async ({ text }) => ({
      content: [{ type: 'text', text }],
      structuredContent: { text },
    }));
    s.registerTool('slow', { description: 'progress, then an answer', inputSchema: { steps: z.number().int() } }, async ({ steps }, extra) => {
      for (let i = 1; i <= steps; i++) {
        const token = extra._meta?.progressToken;
        if (token !== undefined)
          await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: i, total: steps } });
        await new Promise((r) => setTimeout(r, 5));
      }
      return { content: [{ type: 'text', text: `done after ${steps}` }] };
    });
    s.registerTool('hang', { description: 'waits until the test releases it' }, async () => {
      await gate();
      return { content: [{ type: 'text', text: 'released' }] };
    });
    return s;
  };
  const srv = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => void onEnd());
    const onEnd = async () => {
      let body: unknown;
      if (chunks.length) {
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          res.writeHead(400).end();
          return;
        }
      }
      const sid = req.headers['mcp-session-id'];
      let s = typeof sid === 'string' ? sessions.get(sid) : undefined;
      if (!s) {
        if (typeof sid === 'string') {
          res.writeHead(404).end();
          return;
        }
        const server = makeServer();
        const transport: NodeStreamableHttpTransport = new NodeStreamableHttpTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (id) => void sessions.set(id, { transport, server }),
          onsessionclosed: (id) => void sessions.delete(id),
          keepAliveMs: 20,
        });
        await server.connect(transport);
        s = { transport, server };
      }
      await s.transport.handleRequest(req, res, body);
    };
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(srv.address() as net.AddressInfo).port}/mcp`;
  return {
    url,
    sessions,
    release: () => release(),
    close: async () => {
      for (const s of sessions.values()) await s.server.close();
      srv.closeAllConnections();
      await new Promise<void>((r) => srv.close(() => r()));
    },
  };
}

async function sdkClient(): Promise<Client> {
  const c = new Client({ name: 'test', version: '1' });
  await c.connect(new StreamableHTTPClientTransport(new URL(rig.url)));
  clients.push(c);
  return c;
}

const ACCEPT = 'application/json, text/event-stream';
const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};
const raw = (body: unknown, headers: Record<string, string> = {}, method = 'POST') =>
  fetch(rig.url, {
    method,
    headers: { 'content-type': 'application/json', accept: ACCEPT, ...headers },
    body: method === 'POST' ? (typeof body === 'string' ? body : JSON.stringify(body)) : undefined,
  });

/** A raw session: initialize + initialized; returns the headers every later request needs. */
async function rawSession(): Promise<Record<string, string>> {
  const r = await raw(INIT);
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toBe('application/json');
  const sid = r.headers.get('mcp-session-id')!;
  expect(sid).toBeTruthy();
  await r.json();
  const h = { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' };
  expect((await raw({ jsonrpc: '2.0', method: 'notifications/initialized' }, h)).status).toBe(202);
  return h;
}

beforeEach(async () => {
  rig = await startRig();
});
afterEach(async () => {
  rig.release();
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  clients = [];
  await rig.close();
});

describe('NodeStreamableHttpTransport', () => {
  it('serves the SDK Client: list, call with structured output, validation errors naming the field', async () => {
    const c = await sdkClient();
    expect((await c.listTools()).tools.map((t) => t.name)).toEqual(['echo', 'slow', 'hang']);
    const r = await c.callTool({ name: 'echo', arguments: { text: 'hi' } });
    expect(r.structuredContent).toEqual({ text: 'hi' });
    const bad = await c.callTool({ name: 'echo', arguments: { text: 3 } });
    expect(bad.isError).toBe(true);
    expect(JSON.stringify(bad.content)).toMatch(/text/);
  });

  it('answers a plain call with one JSON body, and switches to SSE when progress comes first', async () => {
    const h = await rawSession();
    const plain = await raw({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'a' } } }, h);
    expect(plain.headers.get('content-type')).toBe('application/json');
    expect(((await plain.json()) as { result: { structuredContent: unknown } }).result.structuredContent).toEqual({ text: 'a' });
    const streamed = await raw(
      { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'slow', arguments: { steps: 3 }, _meta: { progressToken: 'p' } } },
      h,
    );
    expect(streamed.headers.get('content-type')).toBe('text/event-stream');
    expect(streamed.headers.get('mcp-session-id')).toBe(h['mcp-session-id']);
    const events = (await streamed.text())
      .split('\n\n')
      .filter((e) => e.startsWith('event: message'))
      .map((e) => JSON.parse(e.slice(e.indexOf('data: ') + 6)) as { method?: string; id?: number });
    expect(events.map((e) => e.method ?? `answer ${e.id}`)).toEqual(['notifications/progress', 'notifications/progress', 'notifications/progress', 'answer 3']);
  });

  it('delivers progress to the SDK Client over the switched stream', async () => {
    const c = await sdkClient();
    const seen: number[] = [];
    const r = await c.callTool({ name: 'slow', arguments: { steps: 4 } }, undefined, { onprogress: (p) => seen.push(p.progress) });
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(r.content).toEqual([{ type: 'text', text: 'done after 4' }]);
  });

  it('answers a batch of requests with an array in request order, and notifications with 202', async () => {
    const h = await rawSession();
    const r = await raw(
      [
        { jsonrpc: '2.0', id: 'x', method: 'tools/call', params: { name: 'slow', arguments: { steps: 2 } } },
        { jsonrpc: '2.0', id: 'y', method: 'tools/call', params: { name: 'echo', arguments: { text: 'b' } } },
      ],
      h,
    );
    const body = (await r.json()) as Array<{ id: string }>;
    expect(body.map((m) => m.id)).toEqual(['x', 'y']);
  });

  it('pushes server-initiated notifications on the GET stream, allows one such stream, and keeps it alive', async () => {
    const c = await sdkClient();
    const changed = new Promise<void>((resolve) => c.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()));
    // The SDK client opens its GET stream after initialize; wait for it, then notify from the server.
    const session = [...rig.sessions.values()][0];
    for (let i = 0; i < 100 && !(session.transport as unknown as { standalone: unknown }).standalone; i++) await new Promise((r) => setTimeout(r, 10));
    session.server.sendToolListChanged();
    await changed;
    const sid = [...rig.sessions.keys()][0];
    const second = await raw(undefined, { 'mcp-session-id': sid, accept: 'text/event-stream' }, 'GET');
    expect(second.status).toBe(409);
    // A raw GET stream of its own session carries keep-alive comments (20 ms in this rig).
    const h = await rawSession();
    const stream = await raw(undefined, { ...h, accept: 'text/event-stream' }, 'GET');
    expect(stream.headers.get('content-type')).toBe('text/event-stream');
    const reader = stream.body!.getReader();
    const { value } = await reader.read();
    expect(new TextDecoder().decode(value)).toContain(': keep-alive');
    await reader.cancel();
  });

  it('refuses what the spec refuses, with JSON-RPC errors', async () => {
    expect((await raw(INIT, { accept: 'application/json' })).status).toBe(406);
    expect((await raw(INIT, { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await raw({ jsonrpc: '1.0', id: 1, method: 'initialize' })).status).toBe(400);
    const h = await rawSession();
    const again = await raw(INIT, h);
    expect(again.status).toBe(400);
    expect(await again.text()).toMatch(/already initialized/);
    const version = await raw({ jsonrpc: '2.0', id: 5, method: 'tools/list' }, { ...h, 'mcp-protocol-version': '1999-01-01' });
    expect(version.status).toBe(400);
    expect(await version.text()).toMatch(/Unsupported protocol version/);
    const shape = await raw({ jsonrpc: '2.0', id: { no: 1 }, method: 'tools/list' }, h);
    expect(shape.status).toBe(400);
    expect((await raw(undefined, { ...h, accept: 'application/json' }, 'GET')).status).toBe(406);
    const put = await raw(undefined, h, 'PUT');
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST, DELETE');
    const tooMany = await raw(
      Array.from({ length: 101 }, (_, i) => ({ jsonrpc: '2.0', method: 'notifications/x', params: { i } })),
      h,
    );
    expect(tooMany.status).toBe(400);
  });

  it('ends the session on DELETE and answers requests still running when it closes', async () => {
    const h = await rawSession();
    const pending = raw({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'hang', arguments: {} } }, h);
    await new Promise((r) => setTimeout(r, 30));
    expect((await raw(undefined, h, 'DELETE')).status).toBe(200);
    expect(rig.sessions.size).toBe(0);
    const answer = (await (await pending).json()) as { id: number; error: { message: string } };
    expect(answer).toMatchObject({ id: 9, error: { message: expect.stringMatching(/session closed/) } });
    expect((await raw({ jsonrpc: '2.0', id: 10, method: 'tools/list' }, h)).status).toBe(404);
  });

  it('drops the answer of a request whose client went away, and keeps serving the session', async () => {
    const h = await rawSession();
    const ac = new AbortController();
    const gone = fetch(rig.url, {
      method: 'POST',
      signal: ac.signal,
      headers: { 'content-type': 'application/json', accept: ACCEPT, ...h },
      body: JSON.stringify({ jsonrpc: '2.0', id: 20, method: 'tools/call', params: { name: 'hang', arguments: {} } }),
    });
    await new Promise((r) => setTimeout(r, 30));
    ac.abort();
    await expect(gone).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 30));
    rig.release();
    await new Promise((r) => setTimeout(r, 30));
    const next = await raw({ jsonrpc: '2.0', id: 21, method: 'tools/call', params: { name: 'echo', arguments: { text: 'still here' } } }, h);
    expect(((await next.json()) as { result: { structuredContent: unknown } }).result.structuredContent).toEqual({ text: 'still here' });
    // The id of the abandoned request is free again once its answer came back.
    const reuse = await raw({ jsonrpc: '2.0', id: 20, method: 'tools/call', params: { name: 'echo', arguments: { text: 'reused' } } }, h);
    expect(reuse.status).toBe(200);
  });
});

describe('jsonRpcShape', () => {
  it('tells requests, notifications and responses apart, and rejects the rest', () => {
    expect(jsonRpcShape({ jsonrpc: '2.0', id: 1, method: 'm' })).toBe('request');
    expect(jsonRpcShape({ jsonrpc: '2.0', method: 'm', params: {} })).toBe('notification');
    expect(jsonRpcShape({ jsonrpc: '2.0', id: 'a', result: {} })).toBe('response');
    expect(jsonRpcShape({ jsonrpc: '2.0', id: 1, error: { code: 1, message: 'x' } })).toBe('response');
    expect(jsonRpcShape({ jsonrpc: '2.0', id: 1, method: 'm', params: [1] })).toBeNull();
    expect(jsonRpcShape({ jsonrpc: '2.0', id: 1, result: {}, error: {} })).toBeNull();
    expect(jsonRpcShape({ jsonrpc: '2.0', id: null, method: 'm' })).toBeNull();
    expect(jsonRpcShape([])).toBeNull();
    expect(jsonRpcShape('x')).toBeNull();
  });
});
