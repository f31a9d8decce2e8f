// Contract handlers for operator accounts (issue 13). The registry's role table (REQUEST_ROLES) lets
// only admins list, add, re-role and remove accounts; a password change is open to everyone logged in,
// for their own account and with their current password (admins may set anyone's).
import { hasRole } from '../../../shared/operators';
import { CoreError, operatorOf, type CoreApi } from '../api';
import type { Logger } from '../observability';
import type { OperatorAuth } from '.';
import { OperatorError } from './registry';

/** Removing or demoting the last admin is a refusal like any other the operator is not allowed. */
async function lastAdminForbidden<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof OperatorError && err.code === 'last_admin') throw new CoreError('forbidden', err.message);
    throw err;
  }
}

export function registerOperatorsApi(api: CoreApi, auth: OperatorAuth, log: Logger): void {
  const { registry, sessions } = auth;
  const account = (o: ReturnType<typeof registry.require>) => ({ id: o.id, name: o.name, roles: o.roles, createdAt: o.createdAt, lastLogin: o.lastLogin });
  api.register('operators.list', () => registry.list().map(account));
  api.register('operators.add', async (p, c) => {
    const o = await registry.add({ name: p.name, password: p.password, roles: p.roles });
    log.info({ operator: o.name, roles: o.roles, by: operatorOf(c).name }, 'operator account added');
    return account(o);
  });
  api.register('operators.setRoles', (p, c) =>
    lastAdminForbidden(() => {
      const o = registry.setRoles(p.id, p.roles);
      // Sessions pick up the new roles at their next request (callerFor re-reads the account).
      log.info({ operator: o.name, roles: o.roles, by: operatorOf(c).name }, 'operator roles changed');
      return account(o);
    }),
  );
  api.register('operators.remove', (p, c) =>
    lastAdminForbidden(() => {
      const who = operatorOf(c);
      if (registry.get(p.id)?.id === who.id) throw new CoreError('forbidden', 'you cannot remove your own account while logged in with it');
      const o = registry.remove(p.id);
      const ended = sessions.endFor(o.id, 'account removed');
      log.info({ operator: o.name, by: who.name, sessionsEnded: ended }, 'operator account removed');
      return { removed: o.name };
    }),
  );
  api.register('operators.setPassword', async (p, c) => {
    const who = operatorOf(c);
    const target = registry.require(p.id);
    const self = target.id === who.id;
    if (!self && !hasRole(who, 'admin')) throw new CoreError('forbidden', "only an admin may set another operator's password");
    if (self && !(await registry.verify(target.name, p.currentPassword ?? ''))) throw new CoreError('forbidden', 'the current password is wrong');
    await registry.setPassword(target.id, p.password);
    // An admin's reset ends that operator's sessions (whoever was using the old password is out).
    const ended = self ? 0 : sessions.endFor(target.id, 'password changed');
    log.info({ operator: target.name, by: who.name, sessionsEnded: ended }, 'operator password changed');
    return { changed: true as const };
  });
}
