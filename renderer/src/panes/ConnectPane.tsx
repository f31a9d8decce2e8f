// Connect an agent: copyable configurations for Claude Desktop (stdio bridge), MCP Inspector and plain HTTP.
import { useState } from 'react';
import { CopyButton } from '../components/ui';
import { useAgents } from '../store/agents';

function baseUrl(): string {
  // In a browser the page's own origin serves /mcp; inside Electron the core's HTTP server listens on the default port.
  return location.protocol.startsWith('http') ? location.origin : 'http://127.0.0.1:8787';
}

export default function ConnectPane() {
  const created = useAgents((s) => s.createdToken);
  const [token, setToken] = useState('');
  const tok = token.trim() || created?.token || '<agent token>';
  const url = `${baseUrl()}/mcp`;
  const claude = JSON.stringify({ mcpServers: { aegisflow: { command: 'npx', args: ['aegisflow', 'mcp'], env: { AEGISFLOW_AGENT_TOKEN: tok } } } }, null, 2);
  const inspector = `npx @modelcontextprotocol/inspector --transport http --server-url ${url} --header "Authorization: Bearer ${tok}"`;
  const httpCfg = JSON.stringify({ mcpServers: { aegisflow: { type: 'http', url, headers: { Authorization: `Bearer ${tok}` } } } }, null, 2);
  const curl = `curl -s ${url} -H 'Authorization: Bearer ${tok}' -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \\\n  -d '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'`;
  return (
    <div className="connect">
      <p>
        Every agent connects with its own bearer token (Agents → New agent). Every tool call passes the governance gateway: ALLOW, REVIEW (an operator approves
        here) or BLOCK, all recorded in the audit chain.
      </p>
      <label className="row">
        Token <input className="grow" type="password" placeholder={created ? `using the token just created for ${created.agentId}` : 'paste an agent token to fill the snippets'} value={token} onChange={(e) => setToken(e.target.value)} />
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
            <CopyButton text={text!} />
          </div>
          <pre>{text}</pre>
        </section>
      ))}
    </div>
  );
}
