// POST /api/v1/ingest, framework-agnostic: the HTTP server passes the Authorization header and the
// parsed JSON body, and sends back { status, body }. External agents (any language) report vitals
// here; the SDK also uses it as its control channel (commands out in the answer, acks in).
//
// Auth: the ingest token may report for any agent; a governed agent's own token only for itself.
// Each record is validated alone, so one bad record is rejected with its reasons and the good
// ones in the same batch are still accepted.
import { z } from 'zod';
import { safeEqual } from '../crypto';
import type { ControlCommand } from './schemas';
import type { ImmuneService } from './service';

export interface IngestRequest {
  authorization?: string | null;
  body: unknown;
}
export interface IngestResponse {
  status: number;
  body: IngestReply | { error: { code: string; message: string } };
}
export interface IngestReply {
  accepted: number;
  rejected: Array<{ index: number; agent_id: string | null; reasons: string[] }>;
  registered: string[];
  /** Per agent named in this request: its state, whether it must pause, and control commands to run. */
  agents: Record<string, { state: string; quarantined: boolean; commands: ControlCommand[] }>;
  /** Infections the batch revealed. */
  infections: Array<{ agent_id: string; id: number; severity: number; diagnosis: string }>;
}

const agentId = z.string().min(1).max(128);
const EnvelopeSchema = z
  .object({
    /** The sender runs a control loop (the SDK): healing commands may be sent to it. */
    control: z.boolean().default(false),
    agents: z
      .array(
        z.object({ agent_id: agentId, model: z.string().max(128).optional(), mcp_servers: z.array(z.string().min(1).max(128)).max(64).optional() }).strict(),
      )
      .max(1000)
      .default([]),
    records: z.array(z.unknown()).default([]),
    acks: z
      .array(z.object({ agent_id: agentId, id: z.string().min(1).max(200), ok: z.boolean(), detail: z.string().max(2000).default('') }).strict())
      .max(1000)
      .default([]),
    /** Agents asking for their commands without reporting (e.g. while quarantined). */
    poll: z.array(agentId).max(1000).default([]),
  })
  .strict();

function err(status: number, code: string, message: string): IngestResponse {
  return { status, body: { error: { code, message } } };
}

export function handleIngestRequest(immune: ImmuneService, req: IngestRequest): IngestResponse {
  const m = /^Bearer\s+(\S+)$/i.exec(req.authorization?.trim() ?? '');
  if (!m) return err(401, 'unauthorized', 'missing bearer token (Authorization: Bearer <token>)');
  const token = m[1];
  let onlyAgent: string | null = null;
  if (!safeEqual(token, immune.getIngestToken())) {
    const governed = immune.control?.authenticate?.(token) ?? null;
    if (!governed) return err(401, 'unauthorized', 'token not valid for ingest');
    onlyAgent = governed;
  }

  const body = req.body;
  let envelope: z.infer<typeof EnvelopeSchema>;
  if (Array.isArray(body)) envelope = EnvelopeSchema.parse({ records: body });
  else if (body && typeof body === 'object' && 'agent_id' in body) envelope = EnvelopeSchema.parse({ records: [body] });
  else if (body && typeof body === 'object') {
    const p = EnvelopeSchema.safeParse(body);
    if (!p.success) return err(400, 'bad_request', p.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '));
    envelope = p.data;
  } else return err(400, 'bad_request', 'body must be a vitals record, an array of them, or { records, agents, acks, poll }');
  if (envelope.records.length > immune.maxBatch) return err(413, 'too_large', `at most ${immune.maxBatch} records per request`);

  const reply: IngestReply = { accepted: 0, rejected: [], registered: [], agents: {}, infections: [] };
  const named = new Set<string>();
  const allowed = (id: string) => onlyAgent === null || id === onlyAgent;
  const source = envelope.control ? 'sdk' : 'external';

  for (const a of envelope.agents) {
    if (!allowed(a.agent_id)) {
      reply.rejected.push({ index: -1, agent_id: a.agent_id, reasons: [`token is not valid for agent ${a.agent_id}`] });
      continue;
    }
    if (!immune.agent(a.agent_id)) reply.registered.push(a.agent_id);
    immune.registerAgent({ agent_id: a.agent_id, source, model: a.model, mcp_servers: a.mcp_servers });
    named.add(a.agent_id);
  }

  envelope.records.forEach((rec, index) => {
    const id = rec && typeof rec === 'object' && typeof (rec as { agent_id?: unknown }).agent_id === 'string' ? (rec as { agent_id: string }).agent_id : null;
    if (id !== null && !allowed(id)) {
      reply.rejected.push({ index, agent_id: id, reasons: [`token is not valid for agent ${id}`] });
      return;
    }
    const known = id !== null && immune.agent(id) !== null;
    const r = immune.recordVitals(rec, source);
    if (!r.ok) {
      reply.rejected.push({ index, agent_id: id, reasons: r.reasons });
      return;
    }
    reply.accepted++;
    if (!known && id !== null) reply.registered.push(id);
    if (id !== null) named.add(id);
    if (r.infection)
      reply.infections.push({ agent_id: r.infection.agent_id, id: r.infection.id, severity: r.infection.severity, diagnosis: r.infection.diagnosis.type });
  });

  for (const ack of envelope.acks) {
    if (!allowed(ack.agent_id)) {
      reply.rejected.push({ index: -1, agent_id: ack.agent_id, reasons: [`token is not valid for agent ${ack.agent_id}`] });
      continue;
    }
    immune.channel.ack(ack.agent_id, ack.id, ack.ok, ack.detail);
    named.add(ack.agent_id);
  }
  for (const id of envelope.poll) if (allowed(id) && immune.agent(id)) named.add(id);

  for (const id of named) {
    const a = immune.agent(id);
    if (!a) continue;
    if (envelope.control) immune.channel.attach(id);
    reply.agents[id] = { state: a.state, quarantined: immune.isQuarantined(id), commands: envelope.control ? immune.channel.take(id) : [] };
  }
  return { status: reply.rejected.length && !reply.accepted && envelope.records.length ? 422 : 200, body: reply };
}
