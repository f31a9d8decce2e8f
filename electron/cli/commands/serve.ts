import { createCore, type Core } from '../../core';
import { withoutLogin } from '../../../shared/schemas/connectors-broker';
import { COMMON_HELP, COMMON_OPTIONS, buildConfig, fail, num, parseCommand, type Overrides } from '../common';
import type { CliCommand } from '../types';

const HELP = `Usage: aegisflow serve [options]

Run the AegisFlow core headless in plain Node: embedded MQTT broker, replay simulator, validated
ingest, SQLite store, and the HTTP server (control room UI over HTTP + WebSocket, /api/v1). The
same core the desktop app runs. Stop with Ctrl-C.

Options:
      --mqtt-host HOST      embedded broker bind address (env AEGISFLOW_MQTT_HOST; default 127.0.0.1)
      --mqtt-port N         embedded broker TCP port, 0 = any free (env AEGISFLOW_MQTT_PORT; default 1883)
      --mqtt-ws-port N      embedded broker WebSocket port (env AEGISFLOW_MQTT_WS_PORT; default 9001)
      --no-mqtt-ws          disable the broker's WebSocket listener
      --broker-url URL      use an external broker instead, e.g. mqtt://10.0.0.5:1883 (env AEGISFLOW_BROKER_URL);
                            its login from env AEGISFLOW_MQTT_USERNAME and AEGISFLOW_MQTT_PASSWORD
      --http-host HOST      HTTP bind address (env AEGISFLOW_HTTP_HOST; default 127.0.0.1). Beyond loopback,
                            put TLS in front (a reverse proxy): passwords and session cookies travel on it.
      --http-port N         HTTP port, 0 = any free (env AEGISFLOW_HTTP_PORT; default 8787)
      --allowed-host NAME   another host name clients use to reach the UI (repeatable; exact match,
                            e.g. control-room.plant.local). localhost, 127.0.0.1 and [::1] always work.
      --speed X             replay speed: 1 = real time, 100 = default, 0 = as fast as possible (env AEGISFLOW_SPEED)
      --seed N              seed of the generated dataset (env AEGISFLOW_SEED; default 42)
      --dataset FILE        replay this CSV instead of the generated day (env AEGISFLOW_DATASET)
      --no-simulator        no replay: ingest whatever real sensors publish
      --paused              start with the replay paused
${COMMON_HELP}

Operators log in (accounts: aegisflow operator add). On the very first start, with no account yet,
serve prints a one-time setup link that creates the first admin.

Examples:
  aegisflow serve                              # http://127.0.0.1:8787, MQTT on 1883
  aegisflow serve --speed 10 --http-port 9000
  mosquitto_sub -t 'aegisflow/sensors/#'      # watch the plant from another terminal`;

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'run the core headless: broker, simulator, ingest, store, HTTP UI',
  help: HELP,
  async run(argv) {
    const parsed = parseCommand(
      argv,
      {
        ...COMMON_OPTIONS,
        'mqtt-host': { type: 'string' },
        'mqtt-port': { type: 'string' },
        'mqtt-ws-port': { type: 'string' },
        'no-mqtt-ws': { type: 'boolean' },
        'broker-url': { type: 'string' },
        'http-host': { type: 'string' },
        'http-port': { type: 'string' },
        'allowed-host': { type: 'string', multiple: true },
        speed: { type: 'string' },
        seed: { type: 'string' },
        dataset: { type: 'string' },
        'no-simulator': { type: 'boolean' },
        paused: { type: 'boolean' },
      },
      HELP,
    );
    if (typeof parsed === 'number') return parsed;
    const { values } = parsed;
    let core;
    try {
      const o: Overrides = {
        broker: {
          host: values['mqtt-host'],
          port: num('mqtt-port', values['mqtt-port']),
          wsPort: values['no-mqtt-ws'] ? null : num('mqtt-ws-port', values['mqtt-ws-port']),
          url: values['broker-url'],
        },
        http: { host: values['http-host'], port: num('http-port', values['http-port']), allowedHosts: values['allowed-host'] },
        simulator: {
          speed: num('speed', values.speed),
          seed: num('seed', values.seed),
          dataset: values.dataset,
          enabled: values['no-simulator'] ? false : undefined,
          autostart: values.paused ? false : undefined,
        },
      };
      const config = buildConfig(values, o);
      core = createCore(config);
      await core.start();
      const b = core.services.broker;
      const h = core.services.http;
      process.stderr.write(
        `AegisFlow is running.\n` +
          `  control room  ${h ? h.url + '/' : '(http disabled)'}\n` +
          (h ? `  MCP (agents)  ${h.url}/mcp   (aegisflow agent add --name NAME --operator YOU prints a bearer token)\n` : '') +
          `  MQTT          ${withoutLogin(b.url)}${b.wsPort ? `  (WebSocket ws://${config.broker.host}:${b.wsPort})` : ''}\n` +
          `  data dir      ${config.dataDir}\n` +
          setupNote(core, h?.url) +
          `Press Ctrl-C to stop.\n`,
      );
    } catch (err) {
      if (core) await core.stop().catch(() => {});
      return fail(err);
    }
    const c = core;
    return await new Promise<number>((resolve) => {
      const shutdown = async (sig: string) => {
        process.stderr.write(`\n${sig}: stopping…\n`);
        await c.stop();
        resolve(0);
      };
      process.once('SIGINT', () => void shutdown('SIGINT'));
      process.once('SIGTERM', () => void shutdown('SIGTERM'));
    });
  },
};

/** The first-run setup link while no operator account exists (the code is in the fragment: never sent, never logged). */
function setupNote(core: Core, url: string | undefined): string {
  const code = core.services.operators.setupCode();
  if (!code) return '';
  const where = url ? `${url}/#setup=${code}` : `(HTTP is disabled: run aegisflow operator add NAME --roles admin)`;
  return `\n  No operator account exists yet. Create the first admin (one-time link):\n    ${where}\n  or: aegisflow operator add NAME --roles admin\n\n`;
}
