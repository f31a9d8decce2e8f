// Finding 11: a god object handed to everyone. The Gateway exposed its token service, executor,
// approval queue, agent registry and setPublisher, and was passed whole to every MCP tool, the operator
// agent, the demo and the CLI: nothing but discipline kept a tool from minting an intent token.
// Now those are private fields of the gateway (unreachable at run time), agent-facing code is typed with
// the narrow AgentGate port, and no module outside governance imports what can issue or sign a token.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, testConfig, type Core } from '../../electron/core';
import * as governance from '../../electron/core/governance';
import { tempDir } from '../helpers';

const ROOT = path.resolve(__dirname, '..', '..');
const GOV = path.join('electron', 'core', 'governance');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(rel));
    else if (/\.(ts|tsx|mjs)$/.test(e.name) && !/\.test\.tsx?$/.test(e.name)) out.push(rel);
  }
  return out;
}

let core: Core | null = null;
const cleanups: Array<() => void> = [];
afterEach(async () => {
  await core?.stop();
  core = null;
  for (const c of cleanups.splice(0)) c();
});

describe('finding 11: only the gateway can issue an intent token', () => {
  it('keeps the token service, executor, keys, approval queue and agent registry out of reach at run time', async () => {
    const t = tempDir('aegis-sec11-');
    cleanups.push(t.cleanup);
    core = createCore(
      testConfig(t.dir, {
        http: { enabled: false },
        simulator: { autostart: false },
        immune: { fleet: { enabled: false } },
        governance: { watchPolicy: false },
      }),
    );
    await core.start();
    const g = core.services.governance as unknown as Record<string, unknown>;
    for (const internal of ['tokens', 'executor', 'keys', 'approvals', 'plans', 'setPublisher', 'registry'])
      expect([internal, internal in g, g[internal]]).toEqual([internal, false, undefined]);
    // The agent directory is read only: no registration, status change or token rotation through it.
    expect(Object.keys(core.services.governance.agents).sort()).toEqual(['byToken', 'get', 'list', 'require']);
    expect(Object.isFrozen(core.services.governance.agents)).toBe(true);
    // Nothing the core hands out holds a token service: walk every service object one level deep.
    for (const [name, svc] of Object.entries(core.services)) {
      if (!svc || typeof svc !== 'object') continue;
      for (const v of Object.values(svc as Record<string, unknown>)) expect([name, v?.constructor?.name]).not.toEqual([name, 'IntentTokens']);
    }
  });

  it('exports no token issuer, executor or private key from the governance subsystem', () => {
    for (const name of ['IntentTokens', 'CommandExecutor', 'loadOrCreateKeys', 'ApprovalQueue', 'AgentRegistry'])
      expect([name, name in governance]).toEqual([name, false]);
  });

  it('no module outside governance imports its token, executor, key, approval or registry files', () => {
    const offenders: string[] = [];
    const internals = /from\s+['"][^'"]*governance\/(tokens|executor|keys|approvals|agents|plans|gateway)['"]/;
    for (const dir of ['electron', 'shared', 'renderer/src', 'bench', 'scripts']) {
      for (const f of sources(dir)) {
        if (f.startsWith(GOV + path.sep)) continue;
        const text = fs.readFileSync(path.join(ROOT, f), 'utf8');
        if (internals.test(text)) offenders.push(`${f}: ${internals.exec(text)![0]}`);
        if (/\bIntentTokens\b|\bsignIntent\b|\.issue\(\s*\{\s*agent:/.test(text)) offenders.push(`${f}: names the token issuer`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('types MCP tools, transports and the check route with the narrow agent port, not the whole gateway', () => {
    const mcpFiles = sources(path.join('electron', 'core', 'mcp'));
    const whole = mcpFiles.filter((f) => /\bGateway\b/.test(fs.readFileSync(path.join(ROOT, f), 'utf8').replace(/\/\/.*$/gm, '')));
    expect(whole).toEqual([]);
    const types = fs.readFileSync(path.join(ROOT, 'electron/core/mcp/types.ts'), 'utf8');
    expect(types).toMatch(/governance: AgentGate;/);
  });
});
