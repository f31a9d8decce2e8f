// Finding 3: external broker = no governance. With broker.url set (a real mosquitto, anonymous access
// allowed), an anonymous mosquitto_pub of emergency_shutdown on aegisflow/commands/line-1/compressor-01
// was applied by the simulator: power went to 0, no audit row. Now the device verifies every command's
// intent token itself, so a forged, tokenless or replayed publish is refused and answered on the ack
// topic, while a governed command through the same broker still executes.
import { execFileSync } from 'node:child_process';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, testConfig, type Core } from '../../electron/core';
import { tempDir, waitFor } from '../helpers';
import { approvedCommand, auditFor, reduceLoad, startMosquitto } from './device-commands';

let cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

describe('finding 3: with an external broker, a forged command is harmless', () => {
  it('refuses an anonymous shutdown, a forged token and a replayed genuine command; a governed command still executes with an accepted ack', async () => {
    const t = tempDir('aegis-sec03-');
    cleanups.push(t.cleanup);
    const mosquitto = await startMosquitto(t.dir);
    cleanups.push(() => mosquitto.stop());
    const core: Core = createCore(
      testConfig(t.dir, {
        broker: { url: mosquitto.url },
        http: { enabled: false },
        immune: { fleet: { enabled: false } },
        governance: { watchPolicy: false, sweepIntervalMs: 50 },
      }),
    );
    cleanups.push(() => core.stop());
    await core.start();
    core.services.governance.addAgent({ id: 'diag', name: 'Diagnostics', role: 'assistant' });
    const sim = core.services.plant!.simulator;
    const device = 'line-1/compressor-01';
    const topic = `aegisflow/commands/${device}`;

    // The attacker is on the plant network: it sees every command and acknowledgement on this open broker.
    const attacker = await mqtt.connectAsync(mosquitto.url, { reconnectPeriod: 0 });
    cleanups.push(() => attacker.endAsync(true));
    const acks: Array<Record<string, unknown>> = [];
    const captured: Buffer[] = [];
    attacker.on('message', (tp, payload) => {
      if (tp.startsWith('aegisflow/acks/')) acks.push(JSON.parse(payload.toString()) as Record<string, unknown>);
      else if (tp === topic) captured.push(payload);
    });
    await attacker.subscribeAsync(['aegisflow/acks/#', 'aegisflow/commands/#'], { qos: 1 });
    await waitFor(() => core.services.live.latest(device), 'readings through mosquitto');

    // 1. The reported attack, verbatim: an anonymous mosquitto_pub of emergency_shutdown.
    const port = new URL(mosquitto.url).port;
    execFileSync('/usr/bin/mosquitto_pub', [
      '-h',
      '127.0.0.1',
      '-p',
      port,
      '-q',
      '1',
      '-t',
      topic,
      '-m',
      JSON.stringify({ command: 'emergency_shutdown', issued_by: 'operator' }),
    ]);
    await waitFor(() => acks.length >= 1 || sim.device(device)!.state !== 'running', 'the device to answer the forged command');
    expect(sim.device(device)!.status()).toMatchObject({ state: 'running', load_pct: 100 });
    expect(acks[0]).toMatchObject({ device_id: device, status: 'refused', code: 'bad_token', jti: null });

    // 2. The new message format with a made-up token.
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const args = { device_id: device, command: 'emergency_shutdown', justification: 'forged' };
    const forged = `${b64({ alg: 'EdDSA', typ: 'JWT' })}.${b64({ tool: 'execute_device_command', agent: 'diag', jti: 'forged-1', exp: 9e9, iat: 1 })}.${Buffer.alloc(64, 7).toString('base64url')}`;
    await attacker.publishAsync(topic, JSON.stringify({ args, intent_token: forged }), { qos: 1 });
    await waitFor(() => acks.length >= 2, 'the second refusal');
    expect(acks[1]).toMatchObject({ status: 'refused', code: 'bad_signature', jti: null });
    expect(sim.commandCounters()).toMatchObject({ accepted: 0, refused: 2 });

    // Power never went to 0: a reading taken after both refusals still shows the running machine.
    const before = core.services.live.latest(device)!.ts;
    const after = await waitFor(() => {
      const r = core.services.live.latest(device);
      return r && r.ts > before ? r : null;
    }, 'a reading after the refusals');
    expect(after.values.power).toBeGreaterThan(1);
    expect(sim.device(device)!.state).toBe('running');
    expect(await auditFor(core, 'EXECUTED', device)).toEqual([]);

    // 3. A governed, approved command through the same external broker executes, on an accepted ack.
    const r = await approvedCommand(core, 'diag', reduceLoad(device, 50));
    expect(r).toMatchObject({ ok: true });
    // The attacker's copy of the ack travels on its own connection: wait for it rather than race it.
    const accepted = await waitFor(() => acks.find((a) => a.status === 'accepted'), "the attacker's copy of the accepted ack");
    expect(accepted).toMatchObject({ device_id: device, command: 'reduce_load', jti: r.ok ? r.jti : '-' });
    expect(sim.device(device)!.status()).toMatchObject({ state: 'reduced', load_pct: 50 });
    expect(await auditFor(core, 'EXECUTED', device)).toHaveLength(1);

    // 4. The attacker replays the genuine message it captured: the device has used that token up.
    const genuine = await waitFor(
      () => captured.find((m) => (JSON.parse(m.toString()) as { args?: { command?: string } }).args?.command === 'reduce_load'),
      'the captured genuine command',
    );
    const n = acks.length;
    await attacker.publishAsync(topic, genuine, { qos: 1 });
    await waitFor(() => acks.length > n, 'the answer to the replay');
    expect(acks.at(-1)).toMatchObject({ status: 'refused', code: 'replayed' });
    expect(sim.device(device)!.status()).toMatchObject({ state: 'reduced', load_pct: 50 });
    expect(sim.commandCounters()).toMatchObject({ accepted: 1, refused: 3 });
  });
});
