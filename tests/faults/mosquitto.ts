// A real mosquitto for the fault tests: persistent sessions kept across its own restarts (persistence
// on), queues deep enough for an outage at replay speed, and stop/start on the same port.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import mqtt from 'mqtt';
import { waitFor } from '../helpers';

export const MOSQUITTO = '/usr/sbin/mosquitto';

export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface Mosquitto {
  url: string;
  start(): Promise<void>;
  /** SIGTERM: mosquitto saves its sessions and queued messages to disk and exits. */
  stop(): Promise<void>;
}

export async function mosquitto(dir: string): Promise<Mosquitto> {
  const port = await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  fs.mkdirSync(path.join(dir, 'mosq'), { recursive: true });
  fs.writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence true',
      `persistence_location ${path.join(dir, 'mosq')}/`,
      'max_queued_messages 200000',
      'max_inflight_messages 100',
      // Started as root, mosquitto would switch to its own user and could not write our temp dir.
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      '',
    ].join('\n'),
  );
  let child: ChildProcess | null = null;
  const url = `mqtt://127.0.0.1:${port}`;
  const m: Mosquitto = {
    url,
    async start() {
      let stderr = '';
      const c = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
      c.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      child = c;
      await waitFor(
        async () => {
          if (c.exitCode !== null) throw new Error(`mosquitto exited ${c.exitCode}: ${stderr}`);
          const probe = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 1000 }).catch(() => null);
          await probe?.endAsync();
          return probe !== null;
        },
        'mosquitto to accept connections',
        10_000,
        25,
      );
    },
    async stop() {
      const c = child;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise<void>((r) => c.once('exit', () => r()));
      c.kill('SIGTERM');
      await exited;
      child = null;
    },
  };
  await m.start();
  return m;
}
