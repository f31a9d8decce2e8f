// Contract handlers of the MCP subsystem (shared/schemas/mcp.ts, plant.ts's incidents.list): the
// "Connect an agent" panel, the call log and the incident reports agents write. Params arrive
// validated by the request registry.
import { neutralizeDeep } from '../../../shared/text';
import type { CoreApi } from '../api';
import type { Db } from '../store';
import { createIncidentRepository } from './repository';
import type { McpService } from './service';

export function registerMcpApi(api: CoreApi, svc: McpService, db: Db): void {
  api.register('mcp.info', () => svc.info());
  // What an operator reads: agent text without direction overrides or control characters (issue 19).
  api.register('mcp.calls', (p) => neutralizeDeep(svc.recentCalls(p)));
  // Its own handle on the incidents table (prepared statements only; the MCP service writes the rows).
  const incidents = createIncidentRepository(db, { mask: svc.deps.mask });
  api.register('incidents.list', (p) => {
    const limit = Math.min(Math.max(Math.floor(p.limit ?? 100) || 100, 1), 500);
    const offset = Math.max(Math.floor(p.offset ?? 0) || 0, 0);
    const text = (v: string | undefined) => v || undefined;
    return neutralizeDeep(incidents.search({ device_id: text(p.device_id), text: text(p.text), limit, offset }));
  });
}
