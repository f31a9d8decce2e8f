// Governed MCP server (issue 6): the nine seed tools plus propose_plan, get_approval_status and
// list_devices; resources (devices, manual, policy) and prompts; stdio here, Streamable HTTP at /mcp
// mounted by the HTTP part (electron/core/http/mcp-routes.ts) on NodeStreamableHttpTransport.
// Every tools/call passes the governance gateway (see call.ts); a call that needs an operator is a durable
// pending call (pending.ts), reached by retries, get_approval_status and MCP Tasks (tasks.ts).
export { McpConfigSchema, type McpConfig } from './config';
export { mcpMigrations } from './migrations';
export {
  createToolCallRepository,
  createIncidentRepository,
  type ToolCallRepository,
  type IncidentRepository,
  type Incident,
  type ToolCallRow,
} from './repository';
export { createPendingCallRepository, type PendingCallRepository, type PendingCallRecord } from './pending-repo';
export { createMcpServer, SERVER_NAME, SERVER_VERSION } from './server';
export { createMcpService, type McpService, type McpServiceInput, type HttpListener } from './service';
export { registerMcpApi } from './api';
export { governedCall } from './call';
export { GOVERNANCE_META, type GovernanceMeta, type CallStatus } from './outcome';
export { ALL_TOOLS, SEED_TOOLS, TOOL_REGISTRY } from './tools';
export { AGENT_HEADER, type StreamableHttpEndpoint, type HttpSession } from './transports/endpoint';
export { NodeStreamableHttpTransport, SSE_HEADERS, jsonRpcShape } from './transports/nodeStreamableHttp';
export { ModernEndpoint, envelopeRevision, detailedTask, MODERN_REVISION, TASKS_EXTENSION, type ModernSink, type ModernCall } from './modern';
export { serveStdio, bridgeStdioToHttp } from './transports/stdio';
export { createTransportFetch } from './transports/fetch';
export { ToolFailure, type McpDeps, type CallerIdentity, type ToolSpec, type ToolContext } from './types';
