// Operator accounts for admins (issue 13), and a password change for everyone: a modal over the
// control room. The core checks every request against the session's roles; this only offers them.
import { useEffect, useState, type FormEvent } from 'react';
import type { OperatorAccount } from '../../../shared/operators';
import { unwrap } from '../api/client';
import { useServices } from '../context';
import { useAuth } from '../store/auth';
import { useNotices } from '../store/notices';
import { PlantTime } from './PlantTime';
import { FieldInput } from './ui';

const notice = (kind: 'error' | 'info', text: string) => useNotices.getState().push(kind, text);
const roles = (text: string) =>
  text
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);

export function OperatorsDialog({ onClose }: { onClose(): void }) {
  const { client } = useServices();
  const me = useAuth((s) => s.state?.operator ?? null);
  const admin = !!me?.roles.includes('admin');
  const [list, setList] = useState<OperatorAccount[]>([]);
  const [form, setForm] = useState({ name: '', password: '', roles: 'operator' });
  const [mine, setMine] = useState({ current: '', next: '' });
  const api = client.api;

  const refresh = async () => {
    if (!admin) return;
    try {
      setList(await unwrap(api.operatorsList({})));
    } catch (err) {
      notice('error', `Operators: ${(err as Error).message}`);
    }
  };
  useEffect(() => void refresh(), []); // eslint-disable-line react-hooks/exhaustive-deps

  const act = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
      notice('info', what);
      await refresh();
      return true;
    } catch (err) {
      notice('error', `${what}: ${(err as Error).message}`);
      return false;
    }
  };
  const add = async (e: FormEvent) => {
    e.preventDefault();
    if (await act(`added ${form.name}`, () => unwrap(api.operatorsAdd({ name: form.name.trim(), password: form.password, roles: roles(form.roles) }))))
      setForm({ name: '', password: '', roles: 'operator' });
  };
  const changeMine = async (e: FormEvent) => {
    e.preventDefault();
    if (!me) return;
    if (await act('password changed', () => unwrap(api.operatorsSetPassword({ id: me.id, password: mine.next, currentPassword: mine.current }))))
      setMine({ current: '', next: '' });
  };

  return (
    <div className="modal-backdrop" role="dialog" aria-label="Operator accounts" onClick={onClose}>
      <div className="modal" onClick={(e) => e.stopPropagation()}>
        <header className="row">
          <b>{admin ? 'Operator accounts' : 'Your account'}</b>
          <span className="spacer" />
          <button type="button" onClick={onClose}>
            Close
          </button>
        </header>
        {admin ? (
          <>
            <table className="grid" data-table="operators">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Roles</th>
                  <th>Last login</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {list.map((o) => (
                  <OperatorRow key={o.id} o={o} self={o.id === me?.id} act={act} />
                ))}
              </tbody>
            </table>
            <form className="dialog" onSubmit={(e) => void add(e)}>
              <b>New operator</b>
              <FieldInput state={form} set={setForm} field="name" required placeholder="Name" aria-label="operator name" />
              <FieldInput
                state={form}
                set={setForm}
                field="password"
                required
                type="password"
                minLength={8}
                placeholder="Password (8+)"
                aria-label="operator password"
                autoComplete="new-password"
              />
              <FieldInput
                state={form}
                set={setForm}
                field="roles"
                placeholder="viewer | operator | supervisor | admin, site roles"
                aria-label="operator roles"
              />
              <button type="submit">Add</button>
            </form>
            <p className="muted">
              Roles include the ones before them: viewer &lt; operator &lt; supervisor &lt; admin. Site roles (e.g. shift_lead) are what policy rules name with
              approver_role.
            </p>
          </>
        ) : null}
        <form className="dialog" onSubmit={(e) => void changeMine(e)}>
          <b>Change my password</b>
          <FieldInput
            state={mine}
            set={setMine}
            field="current"
            required
            type="password"
            placeholder="Current password"
            aria-label="current password"
            autoComplete="current-password"
          />
          <FieldInput
            state={mine}
            set={setMine}
            field="next"
            required
            type="password"
            minLength={8}
            placeholder="New password (8+)"
            aria-label="new password"
            autoComplete="new-password"
          />
          <button type="submit">Change</button>
        </form>
      </div>
    </div>
  );
}

function OperatorRow({ o, self, act }: { o: OperatorAccount; self: boolean; act: (what: string, fn: () => Promise<unknown>) => Promise<boolean> }) {
  const { client } = useServices();
  const [r, setR] = useState(o.roles.join(', '));
  const [pw, setPw] = useState('');
  return (
    <tr data-operator={o.name}>
      <td>
        {o.name}
        {self ? ' (you)' : ''}
      </td>
      <td>
        <input value={r} onChange={(e) => setR(e.target.value)} aria-label={`roles of ${o.name}`} />
        <button
          type="button"
          disabled={r === o.roles.join(', ')}
          onClick={() => void act(`roles of ${o.name} saved`, () => unwrap(client.api.operatorsSetRoles({ id: o.id, roles: roles(r) })))}
        >
          Save
        </button>
      </td>
      <td>{o.lastLogin ? <PlantTime wall={o.lastLogin} /> : 'never'}</td>
      <td className="row">
        {!self ? (
          <>
            <input
              type="password"
              minLength={8}
              placeholder="New password"
              value={pw}
              onChange={(e) => setPw(e.target.value)}
              aria-label={`new password for ${o.name}`}
              autoComplete="new-password"
            />
            <button
              type="button"
              disabled={pw.length < 8}
              onClick={() =>
                void act(`password of ${o.name} set`, () => unwrap(client.api.operatorsSetPassword({ id: o.id, password: pw }))).then((ok) => ok && setPw(''))
              }
            >
              Set password
            </button>
            <button
              type="button"
              className="reject"
              onClick={() =>
                confirm(`Remove ${o.name}? Their sessions end at once.`) &&
                void act(`removed ${o.name}`, () => unwrap(client.api.operatorsRemove({ id: o.id })))
              }
            >
              Remove
            </button>
          </>
        ) : null}
      </td>
    </tr>
  );
}
