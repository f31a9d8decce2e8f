// A Sparkplug B edge node to connect AegisFlow to (README, "Connect a Sparkplug B edge node"): edge node
// edge-1 of group works with a pump device pump-1 (metrics flow and Drive/Speed) and a cabinet temperature
// of its own (Cabinet/Temp), births with units and ranges, data every second, NDEATH as its will, rebirth
// when the host asks, and every DCMD's intent token verified with the gateway's public key before the pump
// changes speed. The edge node itself is electron/core/connectors/sparkplug-edge.ts.
//
//   npm run example:sparkplug-edge -- [--url mqtt://127.0.0.1:1883] [--gateway-key FILE] [--ca FILE] [--username U --password-env VAR]
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { withoutLogin } from '../shared/schemas/connectors-broker';
import { startTestEdgeNode } from '../electron/core/connectors/sparkplug-edge';

const HELP = `Usage: npm run example:sparkplug-edge -- [options]

A Sparkplug B edge node: spBv1.0/<group>/NBIRTH/<node> and DBIRTH/<node>/pump-1 with their units and
ranges (engUnit, engLow, engHigh), then NDATA / DDATA every --period-ms; NDEATH as its MQTT will. A DCMD
carrying AegisFlow/Command is verified with the gateway's public key (electron/edge/verifier.ts); an
accepted set_speed {speed_pct} changes Drive/Speed and flow; the answer is AegisFlow/CommandAck in the
next DDATA.

Options:
  --url URL             the broker (default mqtt://127.0.0.1:1883; mqtts://host:8883 for TLS)
  --ca FILE             with mqtts://: the CA certificate (PEM) the broker's certificate is signed by
  --username U          broker user name (password from --password-env VAR)
  --password-env VAR    the environment variable holding the broker password
  --group G             Sparkplug group id (default works)
  --node N              edge node id (default edge-1); its device is pump-1
  --gateway-key FILE    AegisFlow's public key (default <data dir>/keys/gateway-ed25519.pub.pem, the data dir
                        from AEGISFLOW_DATA_DIR or ./data; AegisFlow creates it on its first start: read
                        at each command until it is there)
  --period-ms N         how often to publish data (default 1000)
  -h, --help            this help`;

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      ca: { type: 'string' },
      username: { type: 'string' },
      'password-env': { type: 'string' },
      group: { type: 'string' },
      node: { type: 'string' },
      'gateway-key': { type: 'string' },
      'period-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  // npm run starts scripts in the repository: paths given on the command line are the caller's (INIT_CWD).
  const here = (p: string) => path.resolve(process.env.INIT_CWD ?? process.cwd(), p);
  const url = values.url ?? 'mqtt://127.0.0.1:1883';
  const group = values.group ?? 'works';
  const nodeId = values.node ?? 'edge-1';
  const period = Number(values['period-ms'] ?? 1000);
  if (!Number.isFinite(period) || period < 10) throw new Error(`--period-ms must be a number ≥ 10 (got "${values['period-ms']}")`);
  const keyFile = here(values['gateway-key'] ?? path.join(process.env.AEGISFLOW_DATA_DIR || 'data', 'keys', 'gateway-ed25519.pub.pem'));
  let password: string | undefined;
  if (values.username) {
    const env = values['password-env'];
    password = env ? process.env[env] : undefined;
    if (!env || password === undefined) throw new Error('--username needs --password-env VAR naming an environment variable that holds the password');
  }
  const out = (s: string) => process.stdout.write(s + '\n');
  let speed = 75;
  const node = await startTestEdgeNode({
    url,
    group,
    node: nodeId,
    devices: [{ id: 'pump-1', assetId: `${nodeId}/pump-1`, metrics: ['flow', 'Drive/Speed'] }],
    nodeMetrics: ['Cabinet/Temp'],
    nodeAssetId: `${nodeId}/cabinet`,
    eng: {
      flow: { unit: 'm³/h', low: 0, high: 1500 },
      'Drive/Speed': { unit: '%', low: 0, high: 100 },
      'Cabinet/Temp': { unit: '°C', low: -20, high: 80 },
    },
    publicKey: () => (fs.existsSync(keyFile) ? fs.readFileSync(keyFile, 'utf8') : undefined),
    act(assetId, command) {
      if (command.command !== 'set_speed') return `${assetId} does not know ${command.command}`;
      const pct = Number(command.params.speed_pct);
      if (!Number.isFinite(pct) || pct < 20 || pct > 100) return 'speed_pct must be 20..100';
      speed = pct;
      return undefined;
    },
    clientOptions: {
      username: values.username,
      password,
      ...(values.ca ? { ca: fs.readFileSync(here(values.ca)) } : {}),
    },
  });
  const values$ = (t: number) => ({
    pump: { flow: Math.round(speed * 12 * (1 + 0.02 * Math.sin(t / 7000)) * 10) / 10, 'Drive/Speed': speed },
    cabinet: { 'Cabinet/Temp': Math.round((31 + 2 * Math.sin(t / 60_000)) * 100) / 100 },
  });
  const first = values$(Date.now());
  await node.birth({ 'pump-1': first.pump, '': first.cabinet });
  out(`Sparkplug B edge node ${nodeId} (group ${group}) on ${withoutLogin(url)}`);
  out(`  NBIRTH spBv1.0/${group}/NBIRTH/${nodeId}: Cabinet/Temp (°C); DBIRTH …/DBIRTH/${nodeId}/pump-1: flow (m³/h), Drive/Speed (%)`);
  out(
    `  data every ${period} ms; commands verified with ${keyFile}${fs.existsSync(keyFile) ? '' : ' (not there yet: commands are refused until AegisFlow has started once)'}`,
  );
  let seen = { executed: 0, refused: 0, rebirths: 0 };
  const timer = setInterval(() => {
    const v = values$(Date.now());
    void node.data('pump-1', v.pump).catch(() => undefined);
    void node.data('', v.cabinet).catch(() => undefined);
    for (const c of node.executed.slice(seen.executed)) out(`DCMD for ${c.assetId}: ${c.command} ${JSON.stringify(c.params)} accepted (intent token verified)`);
    for (const c of node.refused.slice(seen.refused)) out(`DCMD for ${c.assetId}: refused (${c.code})`);
    if (node.rebirthRequests > seen.rebirths) out(`rebirth requested by the host: NBIRTH and DBIRTH sent again`);
    seen = { executed: node.executed.length, refused: node.refused.length, rebirths: node.rebirthRequests };
  }, period);
  node.client.on('close', () => out('connection to the broker closed'));
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(timer);
  await node.death().catch(() => undefined);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`sparkplug-edge: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
