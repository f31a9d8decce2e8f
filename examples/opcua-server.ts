// An OPC UA server to connect AegisFlow to (README, "Connect an OPC UA server"): a real node-opcua server
// exposing a plant model's tags (default the water-treatment works) with generated values, EURange and
// source timestamps, and a Command method per asset that verifies each command's intent token with the
// gateway's public key before it would act. The server itself is tests/opcua-server.ts.
//
//   npm run example:opcua-server -- [--port 4840] [--model FILE] [--gateway-key FILE] [--pki DIR] [--user NAME --password-env VAR]
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { modelOf, startPlantServer, WATER } from '../tests/opcua-server';

const HELP = `Usage: npm run example:opcua-server -- [options]

A node-opcua server exposing a plant model's tags: one object per asset (ns=1;s=<line>/<asset>), one
AnalogItem per tag (ns=1;s=<line>/<asset>/<tag>, EURange = the tag's range), a new value per sampling
period, and a method Command(String) → String per asset that verifies the intent token of every command
with the gateway's public key and answers the acknowledgement JSON.

Options:
  --port N              TCP port (default 4840; 0 picks a free one)
  --model FILE          plant model whose assets and tags to serve (default ${path.relative(process.cwd(), WATER)})
  --gateway-key FILE    AegisFlow's public key (default <data dir>/keys/gateway-ed25519.pub.pem, the data dir
                        from AEGISFLOW_DATA_DIR or ./data; AegisFlow creates it on its first start: read
                        at each command until it is there)
  --pki DIR             the server's own certificates (default .tmp/opcua-server-pki; kept, so its
                        certificate and thumbprint stay the same across restarts)
  --user NAME           accept only this user (password from --password-env VAR); default anonymous
  --password-env VAR    the environment variable holding --user's password
  -h, --help            this help`;

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      model: { type: 'string' },
      'gateway-key': { type: 'string' },
      pki: { type: 'string' },
      user: { type: 'string' },
      'password-env': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  const port = Number(values.port ?? 4840);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a TCP port (got "${values.port}")`);
  // npm run starts scripts in the repository: paths given on the command line are the caller's (INIT_CWD).
  const here = (p: string) => path.resolve(process.env.INIT_CWD ?? process.cwd(), p);
  const modelFile = values.model ? here(values.model) : WATER;
  const model = modelOf(fs.readFileSync(modelFile, 'utf8')).model;
  const keyFile = here(values['gateway-key'] ?? path.join(process.env.AEGISFLOW_DATA_DIR || 'data', 'keys', 'gateway-ed25519.pub.pem'));
  const pkiDir = here(values.pki ?? path.join('.tmp', 'opcua-server-pki'));
  let users: Record<string, string> | undefined;
  if (values.user) {
    const env = values['password-env'];
    const password = env ? process.env[env] : undefined;
    if (!env || password === undefined) throw new Error('--user needs --password-env VAR naming an environment variable that holds the password');
    users = { [values.user]: password };
  }
  const actualPort = port === 0 ? await freePort() : port;
  const server = await startPlantServer({
    model,
    port: actualPort,
    pkiDir,
    users,
    gatewayPublicKey: () => (fs.existsSync(keyFile) ? fs.readFileSync(keyFile, 'utf8') : undefined),
  });
  const tags = model.assets.reduce((n, a) => n + a.tags.length, 0);
  const certFile = path.join(pkiDir, 'own', 'certs', 'certificate.pem');
  const out = (s: string) => process.stdout.write(s + '\n');
  out(`OPC UA server for ${model.site.id}: ${model.assets.length} assets, ${tags} tags at ${server.url}`);
  out(`  security: None, Sign, SignAndEncrypt (Basic256Sha256); ${users ? `user ${values.user}` : 'anonymous'}`);
  if (fs.existsSync(certFile)) {
    const der = new crypto.X509Certificate(fs.readFileSync(certFile)).raw;
    out(`  certificate: ${certFile}`);
    out(`  thumbprint ${crypto.createHash('sha1').update(der).digest('hex')}  (compare before you trust it in AegisFlow)`);
  }
  out(`  commands verified with ${keyFile}${fs.existsSync(keyFile) ? '' : ' (not there yet: commands are refused until AegisFlow has started once)'}`);
  let seen = 0;
  const timer = setInterval(() => {
    for (const ack of server.acks.slice(seen)) {
      out(
        `command for ${ack.device_id}: ${ack.status}${ack.status === 'accepted' ? ` ${ack.command ?? ''} (intent token verified, jti ${ack.jti})` : ` ${ack.code}: ${ack.reason}`}`,
      );
    }
    seen = server.acks.length;
  }, 200);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(timer);
  await server.stop();
  return 0;
}

async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`opcua-server: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
