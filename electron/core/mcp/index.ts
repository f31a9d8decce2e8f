// Governed MCP server (issue 6): the nine seed tools plus propose_plan, get_approval_status and
// list_devices; resources (devices, manual, policy) and prompts; Streamable HTTP at /mcp and stdio.
// Every tools/call passes the governance gateway (see call.ts).
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
export { createMcpServer, SERVER_NAME, SERVER_VERSION } from './server';
export { createMcpService, type McpService } from './service';
export { registerMcpApi } from './api';
export { governedCall, GOVERNANCE_META, type GovernanceMeta, type CallStatus } from './call';
export { ALL_TOOLS, SEED_TOOLS, TOOL_REGISTRY } from './tools';
export { mountStreamableHttp, originAllowed, hostAllowed, bearerToken, AGENT_HEADER, type StreamableHttpEndpoint } from './transports/streamableHttp';
export { serveStdio, bridgeStdioToHttp } from './transports/stdio';
export { createTransportFetch } from './transports/fetch';
export { CHECK_PATH, CheckRequestSchema, type CheckResponse } from './check';
export { ToolFailure, type McpDeps, type CallerIdentity, type ToolSpec, type ToolContext } from './types';
