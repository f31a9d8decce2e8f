// aegisflow operator: the people who may use the control room (issue 13), through the core's operators.*
// requests (the running app's API, or a core of its own when none runs). The very first account on a
// fresh install is the bootstrap: no one can log in yet, so while the app runs it goes through the app's
// one-time setup (the code in the owner-only run file); with no app running the local user creates it.
import type { OperatorAccount } from '../../../shared/operators';
import { COMMON_HELP, COMMON_OPTIONS, csv, runLinked, usageError } from '../common';
import { LINK_HELP, LINK_OPTIONS, loginPassword, RequestError } from '../link';
import { askHidden, readLineFromStdin } from '../prompt';
import type { CliCommand } from '../types';

const HELP = `Usage: aegisflow operator <subcommand> [options]

Subcommands:
  add NAME [--roles R,..]   create an operator account (asks for the password twice)
  list [--json]             every account with its roles and last login
  passwd NAME               set a new password
  roles NAME R,..           replace the account's roles
  remove NAME               delete the account (the last admin cannot be removed)

Roles: viewer (read only) < operator (acknowledge, shelve, approve, pause agents) < supervisor (what
policy rules ask for with approver_role: supervisor, promote rules, restore agents) < admin (operator
accounts, agent registration). Each includes the ones before it. Site roles (e.g. shift_lead) are
matched by name by approver_role rules and grant nothing else.

Options:
      --roles R,..          roles for add (default operator)
      --password-stdin      read the password from the first line of standard input (scripts, CI)
      --json                machine-readable output (list)
${COMMON_HELP}

${LINK_HELP}
The first account (no operator exists yet) needs no login: while the app runs, add creates it as the
first admin through the app's one-time setup; with no app running, as the local user.

Examples:
  aegisflow operator add "Dana Reyes" --roles admin
  aegisflow operator add "Lee Park" --roles operator,shift_lead
  printf '%s\\n' "$PW" | aegisflow operator passwd "Lee Park" --password-stdin`;

const OPTIONS = { ...COMMON_OPTIONS, ...LINK_OPTIONS, roles: { type: 'string' }, 'password-stdin': { type: 'boolean' }, json: { type: 'boolean' } } as const;

async function password(fromStdin: boolean | undefined): Promise<string> {
  if (fromStdin) return readLineFromStdin();
  if (!process.stdin.isTTY)
    throw Object.assign(new Error('no terminal to ask for the password: use --password-stdin'), { code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' });
  const a = await askHidden('Password: ');
  const b = await askHidden('Password again: ');
  if (a !== b) throw new RequestError('invalid', 'the two passwords differ');
  return a;
}

function line(o: OperatorAccount): string {
  return `${o.name.padEnd(24)} ${o.roles.join(',').padEnd(28)} last login ${o.lastLogin ? new Date(o.lastLogin).toISOString() : 'never'}`;
}

export const operatorCommand: CliCommand = {
  name: 'operator',
  summary: 'operator accounts (people, not agents): add, list, passwd, roles, remove',
  help: HELP,
  run: (argv) =>
    runLinked(
      argv,
      { name: 'operator', options: OPTIONS, help: HELP, subcommands: ['add', 'list', 'passwd', 'roles', 'remove'] },
      async ({ values, positionals, sub, open }) => {
        const [, name, arg] = positionals;
        const needName = () => {
          if (!name) throw Object.assign(new Error(`operator ${sub}: a name is required`), { code: 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' });
          return name;
        };
        if (sub === 'roles' && !arg)
          throw Object.assign(new Error('operator roles: give the roles, e.g. operator,shift_lead'), { code: 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' });
        if (sub === 'add' || sub === 'passwd') needName();
        const roles = values.roles ? csv(values.roles) : ['operator'];
        // Asked once, when it is needed: before the login for add and passwd (the bootstrap needs it then too).
        let secret: string | null = null;
        const newPassword = async () => (secret ??= await password(values['password-stdin']));
        let bootstrapped = false;
        const core = await open({
          operator: values.operator,
          setup:
            sub === 'add'
              ? async () => {
                  if (values.roles && !roles.includes('admin'))
                    throw usageError('no operator account exists yet: the first one must be an admin (--roles admin)');
                  bootstrapped = true;
                  return { name: needName(), password: await newPassword() };
                }
              : undefined,
        });
        switch (sub) {
          case 'add': {
            const o = bootstrapped
              ? (await core.call('operators.list', {})).find((a) => a.name === needName())
              : await core.call('operators.add', { name: needName(), password: await newPassword(), roles });
            process.stdout.write(`added operator ${o?.name ?? needName()} (${(o?.roles ?? ['admin']).join(', ')})\n`);
            break;
          }
          case 'list': {
            const all = await core.call('operators.list', {});
            if (values.json) process.stdout.write(JSON.stringify(all, null, 2) + '\n');
            else if (!all.length) process.stdout.write('no operator accounts yet (aegisflow operator add NAME --roles admin, or the first-run setup link)\n');
            else for (const o of all) process.stdout.write(line(o) + '\n');
            break;
          }
          case 'passwd': {
            const n = needName();
            // One's own password (what a non-admin may change) needs the current one: the password just logged in with.
            const own = core.actor === n ? { currentPassword: await loginPassword(n) } : {};
            await core.call('operators.setPassword', { id: n, password: await newPassword(), ...own });
            process.stdout.write(`password of ${n} changed\n`);
            break;
          }
          case 'roles': {
            const o = await core.call('operators.setRoles', { id: needName(), roles: csv(arg ?? '') });
            process.stdout.write(`${o.name} now has ${o.roles.join(', ')}\n`);
            break;
          }
          case 'remove': {
            const o = await core.call('operators.remove', { id: needName() });
            process.stdout.write(`removed operator ${o.removed}\n`);
            break;
          }
        }
        return 0;
      },
    ),
};
