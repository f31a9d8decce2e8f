// aegisflow agent: manage governed agents through the core (the running app's API, or a core of its
// own when no app runs): a pause made here blocks the agent's next call at once.
import fs from 'node:fs';
import YAML from 'yaml';
import type { AgentView } from '../../../shared/governance';
import { COMMON_HELP, COMMON_OPTIONS, csv, runLinked, usageError } from '../common';
import { LINK_HELP, LINK_OPTIONS } from '../link';
import type { CliCommand } from '../types';

const HELP = `Usage: aegisflow agent <subcommand> [options]

Subcommands:
  add --name NAME [--id ID] [--role ROLE] [--model LABEL] [--areas A,..] [--lines L,..] [--devices GLOB,..] [--tool-groups G,..]
                         register an agent; prints its bearer token ONCE (only a hash is stored)
  list [--json]          every agent with status, role, scope and last seen
  pause ID [--reason R]  kill switch: block every further call, cancel its pending approvals
  pause --all [--reason R]
                         global kill switch: pause every active agent
  revive ID              restore a paused or quarantined agent
  restore ID             lift the immune system's limits: full autonomy and every revoked tool back
  rotate-token ID        issue a new bearer token (the old one stops working at once)
  remove ID              delete the agent (its audit history stays)
  manifest [--format json|yaml] [--out FILE]
                         agent bill of materials: identity, scope, status and how each tool is
                         treated (ALLOW/REVIEW/BLOCK) under the policy in force

Options:
      --name NAME         display name (add)
      --id ID             agent id (add; default agent-<random>)
      --role ROLE         role matched by policy rules (add; default assistant)
      --model LABEL       model label, e.g. llama3.2 (add)
      --areas A,..        limit the agent to these areas of the plant model, e.g. production (add)
      --lines L,..        limit the agent to these lines, e.g. line-2 (add)
      --devices GLOB,..   limit the agent to these device ids / globs (add)
      --tool-groups G,..  limit the agent to these policy tool groups, e.g. read,report (add)
      --reason TEXT       why (pause)
      --all               every agent (pause)
      --json              machine-readable output (list)
      --format FMT        json (default) or yaml (manifest)
      --out FILE          write to FILE instead of stdout (manifest)
${COMMON_HELP}

${LINK_HELP}

Examples:
  aegisflow agent add --name "Diagnostics" --id diag --role operator-assistant --model llama3.2
  aegisflow agent add --name "Line 2 watcher" --lines line-2 --tool-groups read,report
  aegisflow agent pause diag --reason "acting strangely"
  aegisflow agent manifest --format yaml --out agents.yaml`;

const OPTIONS = {
  ...COMMON_OPTIONS,
  ...LINK_OPTIONS,
  name: { type: 'string' },
  id: { type: 'string' },
  role: { type: 'string' },
  model: { type: 'string' },
  areas: { type: 'string' },
  lines: { type: 'string' },
  devices: { type: 'string' },
  'tool-groups': { type: 'string' },
  reason: { type: 'string' },
  all: { type: 'boolean' },
  json: { type: 'boolean' },
  format: { type: 'string' },
  out: { type: 'string' },
} as const;

const list = (v: string | undefined) => (v === undefined ? undefined : csv(v));

function line(a: AgentView): string {
  const scope = [
    a.scope.areas?.length ? `areas=${a.scope.areas.join(',')}` : '',
    a.scope.lines?.length ? `lines=${a.scope.lines.join(',')}` : '',
    a.scope.devices?.length ? `devices=${a.scope.devices.join(',')}` : '',
    a.scope.toolGroups?.length ? `tools=${a.scope.toolGroups.join(',')}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const seen = a.lastSeen ? new Date(a.lastSeen).toISOString() : 'never';
  const status = a.status === 'active' ? 'active' : `${a.status}${a.statusReason ? ` (${a.statusReason})` : ''}`;
  return `${a.id.padEnd(20)} ${status.padEnd(24)} ${a.role.padEnd(20)} ${(a.model ?? '-').padEnd(14)} last seen ${seen}${scope ? `  scope: ${scope}` : ''}`;
}

export const agentCommand: CliCommand = {
  name: 'agent',
  summary: 'governed agents: add, list, pause (kill switch), revive, restore, rotate-token, remove, manifest',
  help: HELP,
  run: (argv) =>
    runLinked(
      argv,
      { name: 'agent', options: OPTIONS, help: HELP, subcommands: ['add', 'list', 'pause', 'revive', 'restore', 'rotate-token', 'remove', 'manifest'] },
      async ({ values, positionals, sub, open }) => {
        const id = positionals[1];
        const needId = () => {
          if (!id) throw Object.assign(new Error(`agent ${sub}: an agent id is required`), { code: 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' });
          return id;
        };
        if (sub === 'add' && !values.name) throw usageError('agent add: --name is required');
        const fmt = values.format ?? 'json';
        if (fmt !== 'json' && fmt !== 'yaml') throw usageError(`--format must be json or yaml, got "${fmt}"`);
        const core = await open({ operator: values.operator });
        switch (sub) {
          case 'add': {
            const scope = { areas: list(values.areas), lines: list(values.lines), devices: list(values.devices), toolGroups: list(values['tool-groups']) };
            const { agent, token } = await core.call('agents.create', {
              id: values.id,
              name: values.name ?? '',
              role: values.role,
              model: values.model,
              scope: Object.fromEntries(Object.entries(scope).filter(([, v]) => v !== undefined)),
            });
            process.stdout.write(`added agent ${agent.id} (${agent.role})\n`);
            process.stdout.write(`bearer token (shown once, store it now):\n${token}\n`);
            return 0;
          }
          case 'list': {
            const agents = await core.call('agents.list', {});
            if (values.json) process.stdout.write(JSON.stringify(agents, null, 2) + '\n');
            else if (agents.length === 0) process.stdout.write('no agents registered (aegisflow agent add --name ...)\n');
            else for (const a of agents) process.stdout.write(line(a) + '\n');
            return 0;
          }
          case 'pause': {
            const reason = values.reason ?? 'paused from the CLI';
            if (values.all) {
              const { paused } = await core.call('agents.killAll', { reason });
              process.stdout.write(paused.length ? `paused ${paused.length} agent(s): ${paused.join(', ')}\n` : 'no active agents\n');
              return 0;
            }
            const a = await core.call('agents.pause', { id: needId(), reason });
            process.stdout.write(`paused ${a.id}: every further call is blocked, pending approvals cancelled\n`);
            return 0;
          }
          case 'revive': {
            const a = await core.call('agents.revive', { id: needId() });
            process.stdout.write(`revived ${a.id}\n`);
            return 0;
          }
          case 'restore': {
            const before = (await core.call('agents.list', {})).find((a) => a.id === needId());
            const a = await core.call('agents.restoreTrust', { id: needId() });
            const lifted = [
              before?.reducedAutonomy ? 'full autonomy back' : '',
              before?.revokedTools.length ? `tools back: ${before.revokedTools.join(', ')}` : '',
            ].filter(Boolean);
            process.stdout.write(lifted.length ? `restored ${a.id}: ${lifted.join('; ')}\n` : `${a.id} had no limits to lift\n`);
            return 0;
          }
          case 'rotate-token': {
            const { token } = await core.call('agents.rotateToken', { id: needId() });
            process.stdout.write(`new bearer token for ${id} (shown once; the old one no longer works):\n${token}\n`);
            return 0;
          }
          case 'remove': {
            await core.call('agents.remove', { id: needId() });
            process.stdout.write(`removed ${id}\n`);
            return 0;
          }
          case 'manifest': {
            const m = await core.call('agents.manifest', {});
            const text = fmt === 'json' ? JSON.stringify(m, null, 2) + '\n' : YAML.stringify(m);
            if (values.out) {
              fs.writeFileSync(values.out, text);
              process.stdout.write(`wrote manifest of ${m.agents.length} agent(s) to ${values.out}\n`);
            } else process.stdout.write(text);
            return 0;
          }
        }
        return 2;
      },
    ),
};
