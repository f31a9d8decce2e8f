// The console's gate (issue 13): nothing of the plant shows, and nothing is sent, until an operator
// has logged in. Locks after idle (the core's operators.idleLockS); a user switch is a logout and a login.
import { useEffect, useState } from 'react';
import { App } from './App';
import { Login } from './components/Login';
import { useServices } from './context';
import { useAuth } from './store/auth';
import type { Route } from './route';

export function Root({ route }: { route: Route }) {
  const { client } = useServices();
  const auth = useAuth((s) => s.state);
  const [unreachable, setUnreachable] = useState(false);

  // What the core says about this console's session (retrying while the core cannot be reached).
  useEffect(() => {
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const ask = () =>
      client.auth.state().then(
        (s) => {
          if (stop) return;
          setUnreachable(false);
          useAuth.getState().set(s);
        },
        () => {
          if (stop) return;
          setUnreachable(true);
          timer = setTimeout(() => void ask(), 2000);
        },
      );
    void ask();
    return () => {
      stop = true;
      if (timer) clearTimeout(timer);
    };
  }, [client]);

  useEffect(
    () =>
      client.onSessionEnded((why) => {
        const s = useAuth.getState().state;
        if (s?.operator) useAuth.getState().set({ ...s, operator: null }, `Logged out: ${why}.`);
      }),
    [client],
  );

  const operatorId = auth?.operator?.id ?? null;
  useEffect(() => {
    if (!operatorId) return;
    client.connect();
    return () => client.disconnect();
  }, [client, operatorId]);

  const idleLockS = auth?.idleLockS ?? 0;
  useEffect(() => {
    if (!operatorId || idleLockS <= 0) return;
    let last = Date.now();
    const bump = () => {
      last = Date.now();
    };
    const events = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart'] as const;
    for (const e of events) window.addEventListener(e, bump, { passive: true });
    const timer = setInterval(() => {
      if (Date.now() - last < idleLockS * 1000) return;
      void client.auth.logout().then((s) => useAuth.getState().set(s, `Locked after ${fmtIdle(idleLockS)} without input. Log in to continue.`));
    }, 5000);
    return () => {
      for (const e of events) window.removeEventListener(e, bump);
      clearInterval(timer);
    };
  }, [client, operatorId, idleLockS]);

  if (!auth) return <div className="login-screen">{unreachable ? 'Cannot reach the AegisFlow core — retrying…' : 'Connecting to the AegisFlow core…'}</div>;
  if (!auth.operator) return <Login key={auth.setupRequired ? 'setup' : 'login'} />;
  return <App route={route} />;
}

function fmtIdle(s: number): string {
  return s % 60 === 0 ? `${s / 60} min` : `${s} s`;
}
