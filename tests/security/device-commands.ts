// Shared parts of the device-enforcement attacks (findings 3, 4, 7): an operator-approved device
// command through the real gateway and executor, and a real mosquitto started on a free port.
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SignJWT } from 'jose';
import mqtt from 'mqtt';
import type { Core } from '../../electron/core';
import { freePort, OPERATOR, waitFor } from '../helpers';
import { EXECUTE_TOOL } from '../../electron/core/governance';
import { canonicalHash } from '../../electron/core/governance/canonical';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '../../electron/core/governance/tokens';

export const MOSQUITTO = '/usr/sbin/mosquitto';

/**
 * An agent asks for execute_device_command, the operator approves it (an authenticated caller), the
 * agent collects its intent token and the executor sends it: the path every governed command takes.
 */
export async function approvedCommand(core: Core, agentId: string, args: Record<string, unknown>) {
  const g = core.services.governance;
  const r = await g.authorize({ agentId, tool: 'execute_device_command', args });
  if (r.decision !== 'REVIEW' || !r.approvalId) throw new Error(`expected REVIEW, got ${r.decision}: ${r.reason}`);
  const decided = await core.api.call('approvals.decide', { id: r.approvalId, verdict: 'approve' }, OPERATOR);
  if (!decided.ok) throw new Error(`approval failed: ${decided.error.message}`);
  const w = await g.waitForApproval(r.approvalId);
  if (w.status !== 'approved') throw new Error(`approval ${w.status}`);
  return g.runApproved({ tool: EXECUTE_TOOL, agentId, args, token: w.token });
}

export const reduceLoad = (device: string, pct: unknown, parameters?: unknown) => ({
  device_id: device,
  command: 'reduce_load',
  parameters: parameters ?? { reduction_pct: pct },
  justification: 'temperature rising; SOP 2.1 says reduce load first',
});

/** An intent token for exactly these arguments, as the gateway issues one, signed with `key`. */
export function intentToken(args: Record<string, unknown>, key: KeyObject, jti = 'forged-1'): Promise<string> {
  return new SignJWT({ agent: 'ops', tool: 'execute_device_command', args_sha256: canonicalHash(args) })
    .setProtectedHeader({ alg: 'EdDSA' })
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setJti(jti)
    .setIssuedAt()
    .setExpirationTime('1m')
    .sign(key);
}

/** A well-formed intent token (jti "forged-1") signed with a key that is not the gateway's. */
export const forgedIntentToken = (args: Record<string, unknown>) => intentToken(args, generateKeyPairSync('ed25519').privateKey);

/** A real mosquitto, anonymous access allowed (as a careless plant network would have it). */
export async function startMosquitto(dir: string): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  const child: ChildProcess = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = `mqtt://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`mosquitto exited ${child.exitCode}: ${stderr}`);
      const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 1000 }).catch(() => null);
      await c?.endAsync();
      return c !== null;
    },
    'mosquitto to accept connections',
    10_000,
    50,
  );
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Approve the next approval the gateway creates, as the logged-in operator would from the UI. */
export function approveNext(core: Core): Promise<string> {
  return new Promise((resolve, reject) => {
    const off = core.bus.on('approval.created', (a) => {
      off();
      void core.api
        .call('approvals.decide', { id: a.id, verdict: 'approve' }, OPERATOR)
        .then((r) => (r.ok ? resolve(a.id) : reject(new Error(r.error.message))));
    });
  });
}

/** Audit rows of one kind that name this device. */
export async function auditFor(core: Core, kind: string, deviceId: string) {
  const rows = await core.api.call('audit.query', { kind, limit: 1000 }, OPERATOR);
  if (!rows.ok) throw new Error(rows.error.message);
  return rows.result.filter((r) => (r.detail as { device_id?: string } | null)?.device_id === deviceId);
}
