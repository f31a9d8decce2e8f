// `aegisflow plant connectors` and `aegisflow plant trust CONNECTOR THUMBPRINT`: the running app's
// connectors from a terminal (a headless plant has no Plant pane at hand): each one's state, values and
// errors, and the OPC UA server certificate one waits on; trusting it is the contract request
// connectors.trust as a logged-in operator, audited as CERT_TRUSTED like the Trust button.
import type { ConnectorStatusView } from '../../../shared/schemas/plant';
import { readRunFile } from '../../core';
import type { Config } from '../../core/config';
import { usageError } from '../common';
import { LinkError, openCore } from '../link';

const time = (ms: number | null) =>
  ms === null
    ? 'never'
    : new Date(ms)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z');

export function describeConnector(c: ConnectorStatusView): string[] {
  const lines = [`${c.id}  ${c.type}  ${c.state} since ${time(c.since)}  ${c.endpoint}`];
  lines.push(`  values ${c.values}, messages ${c.messages}, errors ${c.errors}, last value ${time(c.lastValueAt)}`);
  if (c.lastError) lines.push(`  last error: ${c.lastError}`);
  if (c.untrusted) {
    lines.push(`  untrusted server certificate: ${c.untrusted.subject}`);
    lines.push(`    thumbprint ${c.untrusted.thumbprint}: compare it with the server's, then`);
    lines.push(`    aegisflow plant trust ${c.id} ${c.untrusted.thumbprint} --operator NAME`);
  }
  return lines;
}

/** The running app on this data dir, or a usage error that says to start it (a core of our own runs no connector worth showing). */
function needApp(config: Config, what: string): void {
  if (!readRunFile(config.dataDir)) {
    throw new LinkError(`no AegisFlow runs on ${config.dataDir}: ${what} (start it: aegisflow serve, or pass its --data-dir)`);
  }
}

export async function plantConnectors(config: Config, values: { operator?: string; json?: boolean }): Promise<number> {
  needApp(config, "plant connectors shows the running app's connectors");
  const link = await openCore(config, { operator: values.operator });
  try {
    const list = await link.call('connectors.status', {});
    if (values.json) process.stdout.write(JSON.stringify(list, null, 2) + '\n');
    else process.stdout.write((list.length ? list.flatMap(describeConnector) : ['no connectors']).join('\n') + '\n');
    return 0;
  } finally {
    await link.close();
  }
}

export async function plantTrust(config: Config, args: string[], values: { operator?: string }): Promise<number> {
  const [connector, thumbprint] = args;
  if (!connector || !thumbprint || args.length > 2)
    throw usageError('plant trust takes a connector id and the SHA-1 thumbprint it shows (aegisflow plant connectors)');
  if (!/^[0-9a-fA-F]{40}$/.test(thumbprint)) throw usageError(`a thumbprint is 40 hex digits (got "${thumbprint}")`);
  needApp(config, 'plant trust acts on the running connector');
  const link = await openCore(config, { operator: values.operator });
  try {
    await link.call('connectors.trust', { connector, thumbprint });
    process.stdout.write(`trusted ${thumbprint.toLowerCase()} for ${connector} (audited as CERT_TRUSTED by ${link.actor}); it connects on its next attempt\n`);
    return 0;
  } finally {
    await link.close();
  }
}
