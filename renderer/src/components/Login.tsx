// The control-room login: name and password, or the first-run setup of the first admin account.
// Quick user switch at shift change is the same screen; a locked console offers the last name again.
import { useState, type FormEvent } from 'react';
import { useServices } from '../context';
import { useAuth } from '../store/auth';

/** The one-time setup code from a setup link (#setup=CODE): a fragment never reaches the server's logs. */
export function setupCodeFromHash(hash: string): string {
  return new URLSearchParams(hash.replace(/^#/, '')).get('setup')?.slice(0, 64) ?? '';
}

export function Login() {
  const { client } = useServices();
  const auth = useAuth((s) => s.state);
  const reason = useAuth((s) => s.reason);
  const lastName = useAuth((s) => s.lastName);
  const setup = auth?.setupRequired ?? false;
  const desktop = client.transport === 'ipc';
  const [name, setName] = useState(lastName);
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [code, setCode] = useState(() => setupCodeFromHash(location.hash));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    if (setup && password !== repeat) return setError('the two passwords differ');
    setBusy(true);
    setError(null);
    const r = setup ? await client.auth.setup(code.trim(), name.trim(), password) : await client.auth.login(name.trim(), password);
    setBusy(false);
    setPassword('');
    setRepeat('');
    if (!r.ok) return setError(r.error.message);
    if (setup && location.hash.includes('setup=')) history.replaceState(null, '', location.pathname);
    useAuth.getState().set(r.result);
  };

  return (
    <div className="login-screen">
      <form className="login" onSubmit={(e) => void submit(e)} aria-label={setup ? 'First-run setup' : 'Operator login'}>
        <h1>AegisFlow</h1>
        {setup ? (
          <p>
            No operator account exists yet. Create the first one: it is an <b>admin</b>, who can then add the other operators (Operators in the menu, or{' '}
            <code>aegisflow operator add</code>).
          </p>
        ) : (
          <p>Log in as an operator. Agents never use this screen: they have their own tokens.</p>
        )}
        {reason ? (
          <p className="login-reason" role="status">
            {reason}
          </p>
        ) : null}
        {setup && !desktop ? (
          <label>
            Setup code <small>(printed by the core at its first start)</small>
            <input name="code" value={code} onChange={(e) => setCode(e.target.value)} autoComplete="off" required />
          </label>
        ) : null}
        <label>
          Name
          <input name="name" value={name} onChange={(e) => setName(e.target.value)} autoComplete="username" autoFocus={!name} required maxLength={64} />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete={setup ? 'new-password' : 'current-password'}
            autoFocus={!!name}
            required
            minLength={setup ? 8 : 1}
            maxLength={256}
          />
        </label>
        {setup ? (
          <label>
            Password again
            <input
              name="repeat"
              type="password"
              value={repeat}
              onChange={(e) => setRepeat(e.target.value)}
              autoComplete="new-password"
              required
              minLength={8}
              maxLength={256}
            />
          </label>
        ) : null}
        {error ? (
          <p className="login-error abnormal-box" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" disabled={busy}>
          {setup ? 'Create admin and log in' : 'Log in'}
        </button>
      </form>
    </div>
  );
}
