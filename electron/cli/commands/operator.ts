// aegisflow operator: the people who may use the control room (issue 13). Works on the data dir's
// database, like `aegisflow agent`; a running app sees a new account or password at the next login,
// and a removed account's sessions end at their next request.
import readline from 'node:readline';
import { databasePath } from '../../core/config';
import { systemClock } from '../../core/clock';
import { applyMigrations, openDatabase } from '../../core/store';
import { OperatorError, OperatorRegistry, operatorMigrations, type OperatorView } from '../../core/operators';
import { buildConfig, COMMON_HELP, COMMON_OPTIONS, fail, parse } from '../common';
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

Examples:
  aegisflow operator add "Dana Reyes" --roles admin
  aegisflow operator add "Lee Park" --roles operator,shift_lead
  printf '%s\\n' "$PW" | aegisflow operator passwd "Lee Park" --password-stdin`;

const OPTIONS = { ...COMMON_OPTIONS, roles: { type: 'string' }, 'password-stdin': { type: 'boolean' }, json: { type: 'boolean' } } as const;

async function readLineFromStdin(): Promise<string> {
  const rl = readline.createInterface({ input: process.stdin, terminal: false });
  for await (const line of rl) {
    rl.close();
    return line;
  }
  return '';
}

/** Ask on the terminal without echoing what is typed. */
function askHidden(question: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const out = rl as unknown as { _writeToOutput: (s: string) => void; output: NodeJS.WriteStream };
    out._writeToOutput = (s: string) => {
      if (s.includes(question)) out.output.write(s);
    };
    rl.question(question, (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
  });
}

async function password(fromStdin: boolean | undefined): Promise<string> {
  if (fromStdin) return readLineFromStdin();
  if (!process.stdin.isTTY)
    throw Object.assign(new Error('no terminal to ask for the password: use --password-stdin'), { code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' });
  const a = await askHidden('Password: ');
  const b = await askHidden('Password again: ');
  if (a !== b) throw new OperatorError('invalid', 'the two passwords differ');
  return a;
}

const csv = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function line(o: OperatorView): string {
  return `${o.name.padEnd(24)} ${o.roles.join(',').padEnd(28)} last login ${o.lastLogin ? new Date(o.lastLogin).toISOString() : 'never'}`;
}

export const operatorCommand: CliCommand = {
  name: 'operator',
  summary: 'operator accounts (people, not agents): add, list, passwd, roles, remove',
  help: HELP,
  async run(argv) {
    let close: (() => void) | null = null;
    try {
      const { values, positionals } = parse(argv, OPTIONS, true);
      const [sub, name, arg] = positionals;
      if (values.help || !sub) {
        process.stdout.write(HELP + '\n');
        return values.help ? 0 : 2;
      }
      if (!['add', 'list', 'passwd', 'roles', 'remove'].includes(sub)) {
        process.stderr.write(`aegisflow operator: unknown subcommand "${sub}"\n\n${HELP}\n`);
        return 2;
      }
      const needName = () => {
        if (!name) throw Object.assign(new Error(`operator ${sub}: a name is required`), { code: 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' });
        return name;
      };
      const cfg = buildConfig(values);
      const db = openDatabase(databasePath(cfg));
      close = () => db.close();
      applyMigrations(db, operatorMigrations);
      const reg = new OperatorRegistry(db, systemClock, { N: 1 << cfg.operators.scryptLogN });
      switch (sub) {
        case 'add': {
          const o = await reg.add({
            name: needName(),
            password: await password(values['password-stdin']),
            roles: values.roles ? csv(values.roles) : ['operator'],
          });
          process.stdout.write(`added operator ${o.name} (${o.roles.join(', ')})\n`);
          break;
        }
        case 'list': {
          const all = reg.list();
          if (values.json) process.stdout.write(JSON.stringify(all, null, 2) + '\n');
          else if (!all.length) process.stdout.write('no operator accounts yet (aegisflow operator add NAME --roles admin, or the first-run setup link)\n');
          else for (const o of all) process.stdout.write(line(o) + '\n');
          break;
        }
        case 'passwd': {
          const n = needName();
          reg.require(n);
          await reg.setPassword(n, await password(values['password-stdin']));
          process.stdout.write(`password of ${n} changed\n`);
          break;
        }
        case 'roles': {
          if (!arg)
            throw Object.assign(new Error('operator roles: give the roles, e.g. operator,shift_lead'), { code: 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' });
          const o = reg.setRoles(needName(), csv(arg));
          process.stdout.write(`${o.name} now has ${o.roles.join(', ')}\n`);
          break;
        }
        case 'remove': {
          const o = reg.remove(needName());
          process.stdout.write(`removed operator ${o.name}\n`);
          break;
        }
      }
      return 0;
    } catch (err) {
      if (err instanceof OperatorError) {
        process.stderr.write(`aegisflow operator: ${err.message}\n`);
        return 1;
      }
      return fail(err);
    } finally {
      close?.();
    }
  },
};
