// `mxctl admin init`: create the first admin with the registration shared secret, log in, and
// keep the token (and password) in state/admin.json. Idempotent: a working stored token is reused.
import { randomBytes } from 'node:crypto';
import { MxError, isMxError, isSynapseApiError } from '../../core/errors.ts';
import type { Deps } from '../deps.ts';
import { readAdminState, writeAdminState, adminStatePath } from './state.ts';

export interface AdminInitOptions {
  user: string;
  force: boolean;
}

export type AdminInitDeps = Pick<Deps, 'deployment' | 'synapse' | 'clock'>;

export interface AdminInitReport {
  userId: string;
  created: boolean;
  stateFile: string;
}

const LOCALPART = /^[a-z0-9._=\-/+]+$/;

export async function adminInit(o: AdminInitOptions, d: AdminInitDeps): Promise<AdminInitReport> {
  if (!LOCALPART.test(o.user)) {
    throw new MxError(
      'E_INVALID_INPUT',
      `Invalid user name "${o.user}": use lower-case letters, digits and . _ = - / + only (the part before the colon).`,
    );
  }
  const root = d.deployment.root;
  const userId = `@${o.user}:${d.deployment.settings.MX_SERVER_NAME}`;
  const existing = await readAdminState(root);
  if (existing !== undefined && !o.force) {
    if (existing.user_id !== userId) {
      throw new MxError('E_INVALID_INPUT', `mxctl already acts as ${existing.user_id} on this deployment.`, {
        hint: 'Use --force to replace the stored admin, or omit --user.',
      });
    }
    try {
      const who = await d.synapse.withToken(existing.access_token).whoami();
      if (who.user_id === userId) return { userId, created: false, stateFile: adminStatePath(root) };
    } catch (error) {
      if (!isMxError(error, 'E_UNAUTHORIZED')) throw error;
      // The token expired or was revoked: log in again with the stored password.
      const login = await d.synapse.login(userId, existing.password);
      await writeAdminState(root, { ...existing, access_token: login.access_token, device_id: login.device_id });
      return { userId, created: false, stateFile: adminStatePath(root) };
    }
  }
  const password = randomBytes(24).toString('base64url');
  try {
    await d.synapse.registerWithSharedSecret({
      sharedSecret: d.deployment.settings.REGISTRATION_SHARED_SECRET,
      username: o.user,
      password,
      admin: true,
    });
  } catch (error) {
    if (isSynapseApiError(error) && error.errcode === 'M_USER_IN_USE') {
      throw new MxError('E_INVALID_INPUT', `The user ${userId} already exists and mxctl does not know its password.`, {
        hint: 'Choose another name with --user (mxctl creates a new admin), or restore state/admin.json from a backup.',
      });
    }
    throw error;
  }
  const login = await d.synapse.login(userId, password);
  await writeAdminState(root, {
    user_id: login.user_id,
    access_token: login.access_token,
    device_id: login.device_id,
    password,
    created_at: d.clock.now().toISOString(),
  });
  return { userId: login.user_id, created: true, stateFile: adminStatePath(root) };
}
