// The deployment's settings: the typed view of `.env`, validated with every problem collected
// at once (a user fixing a broken .env sees all mistakes in one run). Pure.
import { z } from 'zod';
import { hostnameProblem } from './hostnames.ts';
import type { EnvEntry } from './env-file.ts';
import { formatEnvFile } from './env-file.ts';

/** Image pins: upgrade = move a pin, rollback = move it back. */
export const DEFAULT_IMAGES = {
  POSTGRES_IMAGE: 'docker.io/library/postgres:18',
  SYNAPSE_IMAGE: 'docker.io/matrixdotorg/synapse:v1.160.0',
  ELEMENT_IMAGE: 'docker.io/vectorim/element-web:v1.12.4',
  NGINX_IMAGE: 'docker.io/library/nginx:1.30',
  CERTBOT_IMAGE: 'docker.io/certbot/certbot:v5.5.0',
} as const;

export const SECRET_KEYS = [
  'POSTGRES_PASSWORD',
  'REGISTRATION_SHARED_SECRET',
  'MACAROON_SECRET_KEY',
  'FORM_SECRET',
  'BACKUP_PASSPHRASE',
] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

const hostname = z.string().superRefine((v, ctx) => {
  const problem = hostnameProblem(v);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `not a valid host name: ${problem}` });
});
// NOTE: 43 base64url chars = 256 bits; shorter secrets are refused, not silently accepted.
const secret = z.string().min(43, 'must be at least 256 bits (43 base64url characters)');
const port = z.coerce.number().int().min(1).max(65535);
const image = z.string().min(1).regex(/^[^\s]+$/, 'must be an image reference without spaces');

export const settingsSchema = z.strictObject({
  MX_SERVER_NAME: hostname,
  MX_MATRIX_HOST: hostname,
  MX_ELEMENT_HOST: hostname,
  COMPOSE_PROJECT_NAME: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case letters, digits, - and _ only'),
  POSTGRES_IMAGE: image,
  SYNAPSE_IMAGE: image,
  ELEMENT_IMAGE: image,
  NGINX_IMAGE: image,
  CERTBOT_IMAGE: image,
  POSTGRES_USER: z.string().regex(/^[a-z_][a-z0-9_]*$/),
  POSTGRES_DB: z.string().regex(/^[a-z_][a-z0-9_]*$/),
  SYNAPSE_LOCAL_ADDRESS: z.ipv4(),
  SYNAPSE_LOCAL_PORT: port,
  MAX_UPLOAD_SIZE: z.string().regex(/^[0-9]+[KMG]$/, 'like 50M'),
  ACME_SERVER: z.url(),
  ACME_EMAIL: z.union([z.literal(''), z.email()]),
  MXCTL_RESOLVE: z.union([z.literal(''), z.ipv4(), z.ipv6()]),
  MXCTL_CA_FILE: z.string(),
  // Optional (deployments written before backups existed have no such line): '' = DEPLOY/backups.
  BACKUP_DIR: z.string().default(''),
  POSTGRES_PASSWORD: secret,
  REGISTRATION_SHARED_SECRET: secret,
  MACAROON_SECRET_KEY: secret,
  FORM_SECRET: secret,
  BACKUP_PASSPHRASE: secret,
});

export type Settings = z.infer<typeof settingsSchema>;
export type SettingsResult = { ok: true; settings: Settings } | { ok: false; errors: string[] };

export function parseSettings(values: ReadonlyMap<string, string>): SettingsResult {
  const parsed = settingsSchema.safeParse(Object.fromEntries(values));
  if (parsed.success) return { ok: true, settings: parsed.data };
  const errors = parsed.error.issues.map((issue) => {
    const key = issue.path.join('.');
    if (issue.code === 'unrecognized_keys') return `unknown setting(s): ${issue.keys.join(', ')}`;
    if (issue.code === 'invalid_type' && !values.has(key)) return `${key}: missing`;
    return `${key}: ${issue.message}`;
  });
  return { ok: false, errors };
}

export function formatSettings(s: Settings): string {
  const e = (key: keyof Settings, comment?: string): EnvEntry =>
    comment === undefined ? { key, value: String(s[key]) } : { key, value: String(s[key]), comment };
  return formatEnvFile(
    [
      '# element-matrix deployment settings and secrets — written by `mxctl init`.',
      '# Mode 0600: it holds secrets. Read by docker compose (compose/.env links here) and by mxctl.',
      '# Never change MX_SERVER_NAME or the secrets of a running server: see docs/RUNBOOK.md.',
    ].join('\n'),
    [
      {
        title: 'names',
        entries: [
          e('MX_SERVER_NAME', 'The Matrix server name: user ids are @user:MX_SERVER_NAME. Fixed forever.'),
          e('MX_MATRIX_HOST', 'Where Synapse is reached (client + federation, via .well-known delegation).'),
          e('MX_ELEMENT_HOST', 'Where Element Web is served.'),
          e('COMPOSE_PROJECT_NAME'),
        ],
      },
      {
        title: 'image pins (upgrade = move a pin; rollback = move it back)',
        entries: [e('POSTGRES_IMAGE'), e('SYNAPSE_IMAGE'), e('ELEMENT_IMAGE'), e('NGINX_IMAGE'), e('CERTBOT_IMAGE')],
      },
      {
        title: 'settings',
        entries: [
          e('POSTGRES_USER'),
          e('POSTGRES_DB'),
          e('SYNAPSE_LOCAL_ADDRESS', "Synapse's port is published on this loopback address only: mxctl's path to the admin API."),
          e('SYNAPSE_LOCAL_PORT'),
          e('MAX_UPLOAD_SIZE', "Largest upload; nginx's client_max_body_size matches it."),
          e('ACME_SERVER', 'The ACME directory certbot uses.'),
          e('ACME_EMAIL', 'Contact address for the ACME account (empty: none).'),
          e('MXCTL_RESOLVE', 'When set, mxctl reaches the public names at this address (split DNS, the lab).'),
          e('MXCTL_CA_FILE', "Extra CA certificates mxctl trusts for the public names (a private ACME CA), relative to the deployment."),
          e('BACKUP_DIR', 'Where `mxctl backup` keeps archives (mode 0700); relative to the deployment. Empty: backups/.'),
        ],
      },
      {
        title: 'secrets (each >= 256 bits, generated by mxctl init)',
        entries: [
          e('POSTGRES_PASSWORD'),
          e('REGISTRATION_SHARED_SECRET'),
          e('MACAROON_SECRET_KEY'),
          e('FORM_SECRET'),
          e('BACKUP_PASSPHRASE', 'Encrypts backups. Keep a copy OFF this server: without it no backup can be restored.'),
        ],
      },
    ],
  );
}
