// Contract schemas of operator accounts (issue 13). The registry checks names, roles and password
// strength itself (the CLI and first-run setup share those rules); these schemas check the shapes.
import { z } from 'zod';

/** An operator account as an admin sees it (never the credential). */
export const OperatorAccountSchema = z.object({
  id: z.string(),
  name: z.string(),
  roles: z.array(z.string()),
  createdAt: z.number(),
  lastLogin: z.number().nullable(),
});
export type OperatorAccount = z.infer<typeof OperatorAccountSchema>;

const id = z.string().min(1).max(200);
// Length rules (and their messages) are the registry's: the CLI and first-run setup share them.
const password = z.string();
const roles = z.array(z.string().max(64)).max(64);

export const operatorRequests = {
  'operators.list': { params: z.strictObject({}), result: z.array(OperatorAccountSchema) },
  'operators.add': { params: z.strictObject({ name: z.string().max(200), password, roles }), result: OperatorAccountSchema },
  'operators.setRoles': { params: z.strictObject({ id, roles }), result: OperatorAccountSchema },
  'operators.remove': { params: z.strictObject({ id }), result: z.object({ removed: z.string() }) },
  /** An admin sets anyone's password; others only their own (with their current password). */
  'operators.setPassword': {
    params: z.strictObject({ id, password, currentPassword: password.optional() }),
    result: z.object({ changed: z.literal(true) }),
  },
};
