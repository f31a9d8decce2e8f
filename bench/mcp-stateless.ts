// bench:mcp's revision 2026-07-28 servers (issue 20), for the SDK 2.x server vs our own Node transport
// decision (docs/ARCHITECTURE.md, MCP). The same tool body (get_device_status) and no governance on both:
//   bare-2026-sdk:  @modelcontextprotocol/server 2.4's createMcpHandler (the SDK's stateless entry:
//                   a fresh McpServer per request from the factory, WHATWG Request/Response) behind node:http;
//   bare-2026-node: AegisFlow's ModernEndpoint (../electron/core/mcp/modern.ts) over a plain SDK 1.x
//                   McpServer kept per caller, written to node:http directly (mcp-stateless-http.ts).
// The governed 2026 figure is AegisFlow's own /mcp, measured by bench/mcp.ts beside the session-based ones.
import http from 'node:http';
import { McpServer as McpServer2026, createMcpHandler } from '@modelcontextprotocol/server';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { serveModern } from '../electron/core/http/mcp-stateless-http';
import { ModernEndpoint, type McpDeps } from '../electron/core/mcp';
import type { getDeviceStatus as GetDeviceStatus } from '../electron/core/mcp/tools/get_device_status';

/** The per-request `_meta` envelope and headers of a 2026-07-28 request (what the SDK 2.x Client sends). */
export const ENVELOPE_2026 = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'bench-raw-2026', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};
export const headers2026 = (method: string, name?: string): Record<string, string> => ({
  'mcp-protocol-version': '2026-07-28',
  'mcp-method': method,
  ...(name ? { 'mcp-name': name } : {}),
});

function readBody(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown) : undefined);
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
    req.on('error', reject);
  });
}

/** The SDK 2.x stateless server: createMcpHandler behind node:http (the Request/Response conversion is its cost on Node). */
export function bare2026Sdk(tool: typeof GetDeviceStatus, deps: McpDeps): http.Server {
  const handler = createMcpHandler(
    () => {
      const s = new McpServer2026({ name: 'bare-2026', version: '1.0.0' });
      s.registerTool(
        tool.name,
        { description: tool.description, inputSchema: tool.input, outputSchema: tool.output, annotations: tool.annotations },
        async (args) => {
          const out = await tool.run(args, { deps, agentId: 'bench' });
          return { content: [{ type: 'text', text: out.text }], structuredContent: out.structured };
        },
      );
      return s;
    },
    { legacy: 'reject' },
  );
  return http.createServer(
    (req, res) =>
      void (async () => {
        const parsedBody = await readBody(req);
        const headers = new Headers();
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
        const request = new Request(`http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`, {
          method: req.method,
          headers,
          body: req.method === 'POST' ? JSON.stringify(parsedBody) : undefined,
        });
        const response = await handler.fetch(request, { parsedBody });
        res.writeHead(response.status, Object.fromEntries(response.headers));
        const reader = response.body?.getReader();
        for (let r = await reader?.read(); r && !r.done; r = await reader?.read()) res.write(r.value);
        res.end();
      })().catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      }),
  );
}

/** AegisFlow's 2026-07-28 serving over a plain (ungoverned) SDK 1.x McpServer: transport and protocol only. */
export function bare2026Node(server: McpServer, deps: McpDeps): http.Server {
  const endpoint = new ModernEndpoint(deps, { agentId: 'bench', transport: 'http' }, server);
  const srv = http.createServer(
    (req, res) =>
      void readBody(req).then(
        (body) => serveModern(endpoint, req, res, body, 'bench'),
        () => res.writeHead(400).end(),
      ),
  );
  srv.on('close', () => void endpoint.close());
  return srv;
}
