// Mounts the immune system's POST /api/v1/ingest on serve mode's HTTP server. The handler itself
// (immune/ingest.ts) knows nothing about HTTP frameworks; this is the thin glue.
import { handleIngestRequest, type ImmuneService } from '../immune';
import { sendJson, type HttpServer } from './index';

export function mountImmuneRoutes(http: HttpServer, immune: ImmuneService): void {
  http.route(
    '/api/v1/ingest',
    async ({ req, res, json }) => {
      const out = handleIngestRequest(immune, { authorization: req.headers.authorization ?? null, body: await json() });
      sendJson(res, out.status, out.body);
    },
    'POST',
    { agentAuth: true }, // agents authenticate with their own bearer tokens
  );
}
