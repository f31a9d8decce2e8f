// Connect an agent: copyable configurations for Claude Desktop (stdio bridge), MCP Inspector and any
// Streamable HTTP client, filled from the running server (mcp.info) and the agent's token.
import { useEffect, useState } from 'react';
import type { McpInfo } from '../../../shared/mcp';
import { unwrap } from '../api/client';
import { CopyButton, Empty } from '../components/ui';
import { useServices } from '../context';
import { useAgents } from '../store/agents';

function fallbackUrl(): string {
  // In a browser the page's own origin serves /mcp; inside Electron the core listens on its default port.
  return (location.protocol.startsWith('http') ? location.origin : 'http://127.0.0.1:8787') + '/mcp';
}

export default function ConnectPane() {
  const { client } = useServices();
  const created = useAgents((s) => s.createdToken);
  const [token, setToken] = useState('');
  const [info, setInfo] = useState<McpInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    unwrap(client.api.mcpInfo({})).then(setInfo, (e: Error) => setError(e.message));
  }, [client]);

  const tok = token.trim() || created?.token || '<agent token>';
  // The server's examples say AGENT_TOKEN / AGENT_NAME; the environment variable AEGISFLOW_AGENT_TOKEN stays as it is.
  const fill = (text: string) => text.replace(/(?<![A-Z_])AGENT_TOKEN\b/g, tok).replace(/(?<![A-Z_])AGENT_NAME\b/g, created?.agentId ?? 'AGENT_NAME');
  const url = info?.url ?? fallbackUrl();
  const claude = info
    ? fill(JSON.stringify(info.examples.claudeDesktop, null, 2))
    : JSON.stringify({ mcpServers: { aegisflow: { command: 'npx', args: ['aegisflow', 'mcp'], env: { AEGISFLOW_AGENT_TOKEN: tok } } } }, null, 2);
  const inspector = info
    ? fill(info.examples.inspectorCli)
    : `npx @modelcontextprotocol/inspector --transport http --server-url ${url} --header "Authorization: Bearer ${tok}"`;
  const httpCfg = JSON.stringify({ mcpServers: { aegisflow: { type: 'http', url, headers: { Authorization: `Bearer ${tok}` } } } }, null, 2);
  const curl = `curl -s ${url} -H 'Authorization: Bearer ${tok}' -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \\\n  -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}'`;
  return (
    <div className="connect">
      <p>
        Every agent connects with its own bearer token (Agents → New agent). Every tool call passes the governance gateway: ALLOW, REVIEW (an operator approves
        here) or BLOCK, all recorded in the audit chain.
      </p>
      {error ? <p className="abnormal">MCP server information unavailable: {error}</p> : null}
      {info && !info.enabled ? <p className="abnormal">The MCP server is disabled in this configuration.</p> : null}
      <label className="row">
        Token{' '}
        <input
          className="grow"
          type="password"
          placeholder={created ? `using the token just created for ${created.agentId}` : 'paste an agent token to fill the snippets'}
          value={token}
          onChange={(e) => setToken(e.target.value)}
        />
      </label>
      {[
        ['Claude Desktop (claude_desktop_config.json, stdio bridge)', claude],
        ['MCP Inspector', inspector],
        ['Any Streamable HTTP client', httpCfg],
        ['HTTP by hand', curl],
      ].map(([title, text]) => (
        <section key={title} className="snippet">
          <div className="row">
            <b>{title}</b>
            <span className="spacer" />
            <CopyButton text={text} />
          </div>
          <pre>{text}</pre>
        </section>
      ))}
      <h3>Tools{info ? ` (${info.tools.length}; ${info.openSessions} open session${info.openSessions === 1 ? '' : 's'})` : ''}</h3>
      {!info ? (
        <Empty loaded={!!error}>—</Empty>
      ) : (
        <table className="grid compact">
          <tbody>
            {info.tools.map((t) => (
              <tr key={t.name}>
                <td>
                  <code>{t.name}</code>
                </td>
                <td>{t.title}</td>
                <td>{t.readOnly ? 'read-only' : t.gated ? 'gated: policy decides, an operator may have to approve' : 'writes'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
