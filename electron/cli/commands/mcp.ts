// aegisflow mcp: the governed MCP server on stdio, for Claude Desktop style clients.
// Only MCP messages go to stdout; every log line goes to stderr.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createCore, readRunFile, type Core } from '../../core';
import { AGENT_HEADER, bridgeStdioToHttp, serveStdio } from '../../core/mcp';
import { COMMON_HELP, COMMON_OPTIONS, buildConfig, fail, num, parseCommand } from '../common';
import type { CliCommand } from '../types';

const HELP = `Usage: aegisflow mcp --agent NAME [options]

Serve AegisFlow's governed MCP tools on stdin/stdout. By default this is a bridge to the running app
(npm start / aegisflow serve): every message goes to its Streamable HTTP endpoint, so the app's
governance gateway, operator approvals and audit apply exactly as for HTTP clients. With --standalone
it starts a headless core in this process instead (broker on a free port, no HTTP).

The agent's bearer token comes from the environment, never from the command line:
  AEGISFLOW_AGENT_TOKEN   token printed once by 'aegisflow agent add --name NAME' (required)

Options:
      --agent NAME        the agent this token belongs to (id or name); a mismatch is refused
      --url URL           the app's MCP endpoint (env AEGISFLOW_MCP_URL; default: the app running on the
                          data dir (its run file), else http://<http.host>:<http.port>/mcp from the config,
                          i.e. http://127.0.0.1:8787/mcp)
      --standalone        run a headless core in-process instead of bridging to a running app
      --speed X           (standalone) replay speed of the simulator (default from config: 100)
      --list              act as a client instead: list the app's tools (JSON on stdout) and exit
      --call TOOL         act as a client instead: call TOOL on the app and print the result as JSON
      --args JSON         arguments for --call (default {})
      --wait              with --call: send a progressToken, so a call needing approval waits for the
                          operator (progress on stderr) instead of answering PENDING
${COMMON_HELP}

Claude Desktop (claude_desktop_config.json):
  { "mcpServers": { "aegisflow": { "command": "npx", "args": ["aegisflow", "mcp", "--agent", "claude"],
      "env": { "AEGISFLOW_AGENT_TOKEN": "<token>" } } } }

Examples:
  AEGISFLOW_AGENT_TOKEN=... aegisflow mcp --agent claude
  AEGISFLOW_AGENT_TOKEN=... aegisflow mcp --agent claude --standalone --data-dir ./data
  AEGISFLOW_AGENT_TOKEN=... aegisflow mcp --agent claude --list
  AEGISFLOW_AGENT_TOKEN=... aegisflow mcp --agent claude --call get_device_status --args '{"device_id":"line-1/compressor-01"}'`;

export const mcpCommand: CliCommand = {
  name: 'mcp',
  summary: 'governed MCP tools on stdio (bridge to the running app, or --standalone)',
  help: HELP,
  async run(argv) {
    const parsed = parseCommand(
      argv,
      {
        ...COMMON_OPTIONS,
        agent: { type: 'string' },
        url: { type: 'string' },
        standalone: { type: 'boolean' },
        speed: { type: 'string' },
        list: { type: 'boolean' },
        call: { type: 'string' },
        args: { type: 'string' },
        wait: { type: 'boolean' },
      },
      HELP,
    );
    if (typeof parsed === 'number') return parsed;
    const { values } = parsed;
    const token = process.env.AEGISFLOW_AGENT_TOKEN?.trim();
    if (!values.agent) {
      process.stderr.write('aegisflow mcp: --agent NAME is required\n');
      return 2;
    }
    if (!token) {
      process.stderr.write("aegisflow mcp: set AEGISFLOW_AGENT_TOKEN to the agent's token (aegisflow agent add --name NAME prints it)\n");
      return 2;
    }
    let config;
    try {
      config = buildConfig(values, {
        log: { destination: 'stderr', ...(values['log-level'] === undefined ? { level: 'warn' } : {}) },
        ...(values.standalone ? { http: { enabled: false }, broker: { port: 0, wsPort: null }, simulator: { speed: num('speed', values.speed) } } : {}),
      });
    } catch (err) {
      return fail(err);
    }

    // The app running on this data dir says where it listens (a --http-port of its own, port 0).
    const app = values.standalone ? null : readRunFile(config.dataDir)?.url?.replace('://0.0.0.0:', '://127.0.0.1:');
    const url =
      values.url ??
      (process.env.AEGISFLOW_MCP_URL || null) ??
      (app ? `${app}${config.mcp.path}` : null) ??
      `http://${config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host}:${config.http.port}${config.mcp.path}`;
    if (values.list || values.call) return runClient(url, token, values.agent, values);
    if (!values.standalone) {
      try {
        const { closed } = await bridgeStdioToHttp({ url, token, agent: values.agent });
        await closed;
        return 0;
      } catch (err) {
        process.stderr.write(`aegisflow mcp: cannot reach AegisFlow at ${url}: ${(err as Error).message}\n`);
        return 1;
      }
    }

    // Never a second core on the live app's database: with the app running, bridge to it.
    const running = readRunFile(config.dataDir);
    if (running) {
      process.stderr.write(`aegisflow mcp: the app runs on ${config.dataDir} (pid ${running.pid}): drop --standalone to bridge to it\n`);
      return 2;
    }
    let core: Core | null = null;
    try {
      core = createCore(config);
      await core.start();
      const agent = core.services.governance.agents.byToken(token);
      if (!agent || (agent.id !== values.agent && agent.name !== values.agent)) {
        process.stderr.write(`aegisflow mcp: AEGISFLOW_AGENT_TOKEN is not the token of agent "${values.agent}" in ${config.dataDir}\n`);
        await core.stop();
        return 1;
      }
      const server = core.services.mcp.createServer({ agentId: agent.id, transport: 'stdio' });
      const { closed } = await serveStdio(server, {}, core.services.mcp.createModern({ agentId: agent.id, transport: 'stdio' }));
      const c = core;
      const stop = () => void server.close();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await closed;
      await c.stop();
      return 0;
    } catch (err) {
      if (core) await core.stop().catch(() => {});
      return fail(err);
    }
  },
};

/** A one-shot SDK client against the app's /mcp (the README's quick check that an agent can connect). */
async function runClient(url: string, token: string, agent: string, v: { list?: boolean; call?: string; args?: string; wait?: boolean }): Promise<number> {
  let args: Record<string, unknown> = {};
  if (v.args) {
    try {
      args = JSON.parse(v.args) as Record<string, unknown>;
    } catch (err) {
      process.stderr.write(`aegisflow mcp: --args is not JSON: ${(err as Error).message}\n`);
      return 2;
    }
  }
  const client = new Client({ name: 'aegisflow-cli', version: '0.1.0' });
  try {
    await client.connect(
      new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}`, [AGENT_HEADER]: agent } } }),
    );
    if (v.list) {
      const { tools } = await client.listTools();
      process.stdout.write(
        JSON.stringify(
          tools.map((t) => ({ name: t.name, title: t.title, annotations: t.annotations, description: t.description })),
          null,
          2,
        ) + '\n',
      );
    } else {
      const r = await client.callTool(
        { name: v.call!, arguments: args, ...(v.wait ? { _meta: { progressToken: 'cli' } } : {}) },
        undefined,
        v.wait ? { resetTimeoutOnProgress: true, timeout: 120_000, onprogress: (p) => process.stderr.write(`${p.message ?? p.progress}\n`) } : undefined,
      );
      process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      await client.close();
      return r.isError ? 1 : 0;
    }
    await client.close();
    return 0;
  } catch (err) {
    const why = (err as Error).message;
    // fetch's own word for a refused connection names neither the address nor what to do.
    process.stderr.write(`aegisflow mcp: ${why === 'fetch failed' ? `cannot reach AegisFlow at ${url} (is it running? --url names another)` : why}\n`);
    await client.close().catch(() => {});
    return 1;
  }
}
