// mxctl's admin credentials for one deployment: state/admin.json, mode 0600 inside the
// deployment (the seed kept its token in /tmp). cli/deps.ts builds the admin client from it.
import { join } from 'node:path';
import { z } from 'zod';
import { MxError } from '../../core/errors.ts';
import { readText, writeFileAtomic } from '../../adapters/fs.ts';

const adminStateSchema = z.strictObject({
  user_id: z.string().startsWith('@'),
  access_token: z.string().min(1),
  device_id: z.string(),
  password: z.string().min(1),
  created_at: z.string(),
});
export type AdminState = z.infer<typeof adminStateSchema>;

export function adminStatePath(root: string): string {
  return join(root, 'state', 'admin.json');
}

export async function readAdminState(root: string): Promise<AdminState | undefined> {
  let text: string;
  try {
    text = await readText(adminStatePath(root));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new MxError('E_CONFIG_INVALID', `${adminStatePath(root)} is not valid JSON.`, {
      hint: 'Run `mxctl admin init --force` to log in again and rewrite it.',
    });
  }
  const parsed = adminStateSchema.safeParse(json);
  if (!parsed.success) {
    throw new MxError('E_CONFIG_INVALID', `${adminStatePath(root)} is malformed.`, {
      hint: 'Run `mxctl admin init --force` to log in again and rewrite it.',
    });
  }
  return parsed.data;
}

export async function writeAdminState(root: string, state: AdminState): Promise<void> {
  await writeFileAtomic(adminStatePath(root), `${JSON.stringify(state, null, 2)}\n`, 0o600);
}
