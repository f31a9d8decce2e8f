// Agents at the door: the bearer-token check shared by the agent routes (/mcp and
// /api/v1/governance/check). Operators are checked by the server itself (session cookies).
import type http from 'node:http';
import type { AgentGate } from '../governance';
import { AGENT_HEADER } from '../mcp';
import type { AgentView } from '../../../shared/governance';

export function bearerToken(req: http.IncomingMessage): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : null;
}

/** Authenticate a request as an active agent; on refusal `reply` answers it and null is returned. */
export function authenticateAgent(
  req: http.IncomingMessage,
  governance: AgentGate,
  reply: (status: number, message: string, headers?: Record<string, string>) => void,
): AgentView | null {
  const token = bearerToken(req);
  if (!token) {
    reply(401, 'missing bearer token: send "Authorization: Bearer <agent token>" (aegisflow agent add NAME prints one)', {
      'www-authenticate': 'Bearer realm="aegisflow"',
    });
    return null;
  }
  const agent = governance.agents.byToken(token); // cached by the registry, never stale (see agents.ts)
  if (!agent) {
    reply(401, 'invalid agent token', { 'www-authenticate': 'Bearer realm="aegisflow", error="invalid_token"' });
    return null;
  }
  const named = req.headers[AGENT_HEADER];
  if (typeof named === 'string' && named !== '' && named !== agent.id && named !== agent.name) {
    reply(403, `the token belongs to agent ${agent.id}, not ${named}`);
    return null;
  }
  if (agent.status !== 'active') {
    reply(403, `agent ${agent.id} is ${agent.status}${agent.statusReason ? `: ${agent.statusReason}` : ''}; an operator must revive it`);
    return null;
  }
  return agent;
}
