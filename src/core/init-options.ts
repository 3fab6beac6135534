// Turning `mxctl init`'s options into settings. Pure: secrets are passed in by the caller.
import type { SecretKey, Settings } from './settings.ts';
import { DEFAULT_IMAGES } from './settings.ts';
import { assertHostname } from './hostnames.ts';
import { MxError } from './errors.ts';

export interface InitChoices {
  domain: string;
  matrixHost?: string | undefined;
  elementHost?: string | undefined;
  acmeServer?: string | undefined;
  acmeEmail?: string | undefined;
  resolve?: string | undefined;
  caFile?: string | undefined;
  projectName?: string | undefined;
}

/** Every alert channel off: `mxctl monitor test-alert` proves one once it is set in .env. */
const NO_ALERT_CHANNELS = {
  ALERT_WEBHOOK_URL: '',
  ALERT_WEBHOOK_FORMAT: 'json',
  ALERT_NTFY_URL: '',
  ALERT_NTFY_TOKEN: '',
  ALERT_EMAIL_TO: '',
  ALERT_EMAIL_FROM: '',
  ALERT_SMTP_HOST: '',
  ALERT_SMTP_PORT: 587,
  ALERT_SMTP_SECURITY: 'starttls',
  ALERT_SMTP_USER: '',
  ALERT_SMTP_PASSWORD: '',
  ALERT_MATRIX_ROOM: '',
  ALERT_PING_URL: '',
  ALERT_PING_MINUTES: 5,
  PROMETHEUS_URL: '',
  MONITOR_DEPLOYMENT_DIR: '',
  MONITOR_MXCTL_DIR: '',
} as const satisfies Partial<Settings>;

/** The monitor's defaults: a pass a minute, its page on loopback, nothing scheduled until asked. */
const MONITOR_DEFAULTS = {
  MONITOR_INTERVAL: 30,
  MONITOR_ADDRESS: '127.0.0.1',
  MONITOR_PORT: 9109,
  MONITOR_BACKUP_AT: '',
  MONITOR_RESTORE_TEST: '',
  MONITOR_RESTORE_TEST_AT: '04:00',
} as const satisfies Partial<Settings>;

export const LETS_ENCRYPT = 'https://acme-v02.api.letsencrypt.org/directory';

export function projectNameFor(domain: string): string {
  return `mx-${domain.replace(/[^a-z0-9]+/g, '-')}`.slice(0, 60);
}

export function settingsFromChoices(c: InitChoices, secrets: Record<SecretKey, string>): Settings {
  assertHostname(c.domain, 'domain');
  const matrixHost = c.matrixHost ?? `matrix.${c.domain}`;
  const elementHost = c.elementHost ?? `chat.${c.domain}`;
  assertHostname(matrixHost, 'matrix host');
  assertHostname(elementHost, 'element host');
  const names = new Set([c.domain, matrixHost, elementHost]);
  if (names.size !== 3) {
    throw new MxError(
      'E_INVALID_INPUT',
      `The domain, matrix host and element host must all differ (got ${c.domain}, ${matrixHost}, ${elementHost}).`,
    );
  }
  return {
    MX_SERVER_NAME: c.domain,
    MX_MATRIX_HOST: matrixHost,
    MX_ELEMENT_HOST: elementHost,
    MX_FEDERATION_ALLOWLIST: '',
    COMPOSE_PROJECT_NAME: c.projectName ?? projectNameFor(c.domain),
    ...DEFAULT_IMAGES,
    POSTGRES_VOLUME: '',
    POSTGRES_DATA_MOUNT: '',
    POSTGRES_USER: 'synapse',
    POSTGRES_DB: 'synapse',
    SYNAPSE_LOCAL_ADDRESS: '127.0.0.1',
    SYNAPSE_LOCAL_PORT: 8008,
    MAX_UPLOAD_SIZE: '50M',
    ACME_SERVER: c.acmeServer ?? LETS_ENCRYPT,
    ACME_EMAIL: c.acmeEmail ?? '',
    MXCTL_RESOLVE: c.resolve ?? '',
    MXCTL_CA_FILE: c.caFile ?? '',
    MXCTL_VALIDATED_VERSION: '',
    BACKUP_DIR: '',
    S3_ENDPOINT: '',
    S3_REGION: '',
    S3_BUCKET: '',
    S3_PREFIX: '',
    S3_ACCESS_KEY_ID: '',
    S3_SECRET_ACCESS_KEY: '',
    RCLONE_REMOTE: '',
    RCLONE_CONFIG: '',
    BACKUP_MODE: 'archive',
    RESTIC_REPOSITORY: '',
    ...NO_ALERT_CHANNELS,
    ...MONITOR_DEFAULTS,
    // One process: `mxctl scale workers` switches worker mode on later.
    SYNAPSE_WORKERS: '',
    REDIS_IMAGE: 'redis:7.4',
    COMPOSE_FILE: '',
    COMPOSE_PROFILES: '',
    ...secrets,
  };
}
