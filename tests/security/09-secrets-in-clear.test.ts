// Finding 9: secrets in clear. Only the audit table was masked: tool_calls, incidents, approvals and
// the mcp.calls view held bearer tokens and card numbers as the agent sent them; free-text secrets
// (password=…, sk-…, AKIA…, PEM blocks) were masked nowhere; and anomaly ids like …@1767227600000
// were masked as card numbers. The attack: an agent plants another agent's bearer token, a Luhn-valid
// card, a password pair, API keys, a PEM private key and an SSN in the arguments of every tool that
// stores text (and in a tool name, which is logged), over real HTTP against a real core. Then the
// raw bytes of every file the core left in its data dir (SQLite database, its -wal) and the captured
// logs are searched for each planted secret, and the views people read (mcp.calls, audit, approvals,
// incidents) are checked both ways: no secret, and anomaly ids and ordinary numbers intact.
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../electron/core/observability';
import { OPERATOR } from '../helpers';
import { httpClient, injectAnomaly, startRig, textOf, waitFor, type McpRig } from '../mcp-helpers';
import { approveNext } from './device-commands';
import { recordFigure } from './figures';

let rig: McpRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

/** Every file under dir, recursively. */
function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

describe('finding 9: no secret an agent sends is stored, logged or shown in clear', () => {
  it('secrets planted in tool arguments, free text and a tool name are in no file, log line or view; anomaly ids and readings survive', async () => {
    const logLines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, cb) {
        logLines.push(String(chunk));
        cb();
      },
    });
    rig = await startRig({}, undefined, { logger: createLogger({ level: 'trace', stream }) });
    const core = rig.core;
    const other = core.services.governance.addAgent({ id: 'other', name: 'Other agent', role: 'assistant' });

    const pemBody = 'MIIEowIBAAKCAQEAzS3cr3tPl4nt3dK3yB0dyL1n3QWxpY2VBbmRCb2JTaGFyZQ';
    const pem = `-----BEGIN RSA PRIVATE KEY-----\n${pemBody}\nQWxpY2VBbmRCb2JTaGFyZUFTZWNyZXRLZXkxMjM0NTY3ODkwYWJjZGVm\n-----END RSA PRIVATE KEY-----`;
    // What must never be found, and how it could appear (as sent, or with the separators dropped).
    const secrets: Record<string, string[]> = {
      'bearer token of another agent': [other.token],
      'card 4111 1111 1111 1111': ['4111 1111 1111 1111', '4111111111111111', '4111-1111-1111-1111'],
      'password=hunter2…': ['hunter2-Orchid-77'],
      'sk- API key': ['sk-proj-Zq8RkV2mN5tY7wX1bC4dF6gH9jK3lP0s'],
      'AKIA access key id': ['AKIAZ7Q4W2E6R8T1Y3U5'],
      'api_key= pair': ['Xb7Qp2Lm9Rt4Vw6Yz8Ka3Nc5'],
      'PEM private key': [pemBody],
      'US SSN': ['512-44-3187'],
    };
    const planted =
      `Authorization: Bearer ${other.token}; card 4111 1111 1111 1111; password=hunter2-Orchid-77; ` +
      `openai sk-proj-Zq8RkV2mN5tY7wX1bC4dF6gH9jK3lP0s; aws AKIAZ7Q4W2E6R8T1Y3U5; api_key=Xb7Qp2Lm9Rt4Vw6Yz8Ka3Nc5; ssn 512-44-3187\n${pem}`;

    const calls: Array<Record<string, unknown>> = [];
    core.bus.on('mcp.call', (e) => void calls.push(e as unknown as Record<string, unknown>));

    const device = 'line-1/compressor-01';
    injectAnomaly(rig, device);
    const client = await httpClient(rig.mcpUrl, rig.token);
    // From the history, not the active list: on a loaded machine the live replay may already have closed it.
    const history = await client.callTool({ name: 'get_anomaly_history', arguments: { device_id: device } });
    const anomalyId = (history.structuredContent as { anomalies: Array<{ id: string }> }).anomalies[0].id;
    expect(anomalyId).toMatch(/@\d{13}$/); // an epoch-ms suffix: 13 digits, like a card number's length

    // 1. An incident report (auto-approved) with every secret in its free text, next to ordinary numbers.
    const ordinary = `temperature 118.4 °C at 1796118026278 ms, load cut by 10 % (anomaly ${anomalyId})`;
    const report = await client.callTool({
      name: 'log_incident_report',
      arguments: {
        device_id: device,
        title: `Thermal runaway, card 4111 1111 1111 1111 on file`,
        severity: 'high',
        anomaly_id: anomalyId,
        root_cause: `${ordinary}. ${planted}`,
        actions_taken: `used ${other.token} and password=hunter2-Orchid-77`,
        outcome: planted,
        lessons_learned: `ssn 512-44-3187, AKIAZ7Q4W2E6R8T1Y3U5`,
      },
    });
    expect(report.isError, textOf(report)).toBeFalsy();

    // 2. A device command (operator-gated) with the secrets in its justification, approved and executed.
    const approvedCmd = approveNext(core);
    const cmd = await client.callTool({
      name: 'execute_device_command',
      arguments: { device_id: device, command: 'reduce_load', parameters: { reduction_pct: 10 }, justification: `temperature rising (SOP 2.1). ${planted}` },
      _meta: { progressToken: 'cmd' },
    });
    await approvedCmd;
    expect(cmd.isError, textOf(cmd)).toBeFalsy();
    expect(cmd.structuredContent).toMatchObject({ status: 'executed' });

    // 3. A plan whose rationale and step (an acknowledgement note) carry the secrets, approved, then run.
    const approvedPlan = approveNext(core);
    const plan = await client.callTool({
      name: 'propose_plan',
      arguments: {
        rationale: `sensor drift, SOP 2.4. ${planted}`,
        steps: [{ tool: 'acknowledge_anomaly', args: { anomaly_id: anomalyId, note: `drift, safe to ack. ${planted}` } }],
      },
      _meta: { progressToken: 'plan' },
    });
    await approvedPlan;
    expect(plan.isError, textOf(plan)).toBeFalsy();
    const planId = (plan.structuredContent as { plan_id: string }).plan_id;
    const ack = await client.callTool({
      name: 'acknowledge_anomaly',
      arguments: { anomaly_id: anomalyId, note: `drift, safe to ack. ${planted}`, plan_id: planId },
    });
    expect(ack.isError, textOf(ack)).toBeFalsy();

    // 4. Secrets where the server echoes agent input into errors: an unknown anomaly id, an unknown tool.
    const badAck = await client.callTool({
      name: 'acknowledge_anomaly',
      arguments: { anomaly_id: `password=hunter2-Orchid-77 ${other.token}`.slice(0, 128), note: 'not a real anomaly' },
    });
    expect(badAck.isError).toBe(true);
    const badTool = await client.callTool({ name: `sk-proj-Zq8RkV2mN5tY7wX1bC4dF6gH9jK3lP0s`, arguments: {} }).catch((err: Error) => ({ isError: true, err }));
    expect(badTool.isError).toBe(true);
    await client.close();

    // The views people read: the call list, the audit, the approvals and the incidents.
    const views: Record<string, unknown> = {};
    for (const [name, params] of [
      ['mcp.calls', { limit: 1000 }],
      ['audit.query', { limit: 1000 }],
      ['approvals.list', { limit: 100 }],
      ['incidents.list', { limit: 100 }],
    ] as const) {
      const r = await core.api.call(name as never, params as never, OPERATOR);
      if (!r.ok) throw new Error(`${name}: ${r.error.message}`);
      views[name] = r.result;
    }
    views['mcp.call events'] = calls;
    await waitFor(() => calls.length >= 6, 'the mcp.call events');

    await rig.core.stop(); // everything flushed and the database closed (its -wal, if any, stays)
    const files = filesUnder(rig.dir).filter((f) => fs.statSync(f).size > 0);
    expect(files.some((f) => f.endsWith('aegisflow.db'))).toBe(true);

    const found: string[] = [];
    const where = (label: string, text: string) => {
      for (const [secret, forms] of Object.entries(secrets)) if (forms.some((f) => text.includes(f))) found.push(`${secret} in ${label}`);
    };
    for (const f of files) where(path.relative(rig.dir, f), fs.readFileSync(f).toString('latin1'));
    where('logs', logLines.join(''));
    for (const [name, v] of Object.entries(views)) where(`view ${name}`, JSON.stringify(v));
    recordFigure('secrets_found_in_store', found.length, { found });
    expect(found).toEqual([]);

    // Not every long digit run is a card: the anomaly id (epoch-ms suffix) and ordinary numbers survive.
    const shown = JSON.stringify(views);
    const incident = (views['incidents.list'] as { items: Array<Record<string, unknown>> }).items[0];
    expect(incident.anomaly_id).toBe(anomalyId);
    expect(incident.root_cause).toContain(ordinary);
    const ackCalls = (views['mcp.calls'] as Array<{ tool: string; status: string; args: Record<string, unknown> }>).filter(
      (c) => c.tool === 'acknowledge_anomaly' && c.status === 'ok',
    );
    expect(ackCalls.map((c) => c.args.anomaly_id)).toEqual([anomalyId]);
    const auditAck = (views['audit.query'] as Array<{ tool: string | null; args: Record<string, unknown> | null }>).filter(
      (r) => r.tool === 'acknowledge_anomaly' && r.args,
    );
    expect(auditAck.length).toBeGreaterThan(0);
    for (const r of auditAck) expect(r.args!.anomaly_id).toBe(anomalyId);
    expect(shown).toContain('1796118026278');
    expect(shown).toContain('118.4');
  });
});
