// synapse/homeserver.yaml and its log config. Paths are as seen inside the synapse container,
// where the deployment's synapse/ folder is mounted at /data.
import type { Settings } from '../settings.ts';
import { parseAllowlistSetting, renderAllowlistBlock } from '../admin/federation-allowlist.ts';

const q = (v: string | number): string => JSON.stringify(v);

export const SYNAPSE_DATA = '/data';
export const METRICS_PORT = 9000;
/** The server-notices system user is @notices:SERVER. */
export const SERVER_NOTICES_LOCALPART = 'notices';

export function signingKeyFile(serverName: string): string {
  return `${serverName}.signing.key`;
}
export function logConfigFile(serverName: string): string {
  return `${serverName}.log.config`;
}

export function renderHomeserver(s: Settings): string {
  // NOTE: last in the file, where `mxctl federation allowlist` appends it when it is new, so
  // editing the deployed file and re-rendering it give the same text.
  const allowlist = renderAllowlistBlock(s.MX_SERVER_NAME, parseAllowlistSetting(s.MX_FEDERATION_ALLOWLIST));
  return `# Synapse configuration — written by \`mxctl init\`. Mode 0600: it holds secrets.
# Reference: https://element-hq.github.io/synapse/latest/usage/configuration/config_documentation.html
# Back up this file and every file it names (mxctl backup does).

server_name: ${q(s.MX_SERVER_NAME)}
public_baseurl: ${q(`https://${s.MX_MATRIX_HOST}/`)}
pid_file: /data/homeserver.pid
report_stats: false
# The lab's Synapse cannot reach matrix.org; in production this is the usual notary.
suppress_key_server_warning: true

listeners:
  # Client + federation behind nginx (TLS ends there).
  - port: 8008
    type: http
    tls: false
    x_forwarded: true
    bind_addresses: ["0.0.0.0"]
    resources:
      - names: [client, federation]
        compress: false
  # Prometheus metrics: on the compose network only, never published or proxied.
  - port: ${METRICS_PORT}
    type: metrics
    bind_addresses: ["0.0.0.0"]

enable_metrics: true

database:
  name: psycopg2
  args:
    user: ${q(s.POSTGRES_USER)}
    password: ${q(s.POSTGRES_PASSWORD)}
    dbname: ${q(s.POSTGRES_DB)}
    host: postgres
    port: 5432
    cp_min: 5
    cp_max: 10
    keepalives_idle: 10
    keepalives_interval: 10
    keepalives_count: 3

log_config: ${q(`${SYNAPSE_DATA}/${logConfigFile(s.MX_SERVER_NAME)}`)}
media_store_path: /data/media_store
# nginx's client_max_body_size is set to the same value.
max_upload_size: ${q(s.MAX_UPLOAD_SIZE)}
signing_key_path: ${q(`${SYNAPSE_DATA}/${signingKeyFile(s.MX_SERVER_NAME)}`)}
trusted_key_servers:
  - server_name: "matrix.org"

# Server notices (\`mxctl notice send\`): a system user sends them into a room of their own per
# user, joined automatically so the notice is seen without accepting an invite. Synapse refuses
# to let anyone register this localpart.
server_notices:
  system_mxid_localpart: ${q(SERVER_NOTICES_LOCALPART)}
  system_mxid_display_name: "Server Notices"
  room_name: "Server Notices"
  room_topic: ${q(`Announcements from the admins of ${s.MX_SERVER_NAME}`)}
  auto_join: true

# Invite-only registration: a registration token (mxctl tokens create) is required.
enable_registration: true
registration_requires_token: true
# Lets mxctl create admin users (mxctl admin init); keep it secret.
registration_shared_secret: ${q(s.REGISTRATION_SHARED_SECRET)}
macaroon_secret_key: ${q(s.MACAROON_SECRET_KEY)}
form_secret: ${q(s.FORM_SECRET)}
${allowlist === '' ? '' : `\n${allowlist}`}`;
}

export function renderLogConfig(): string {
  return `# Synapse logging — to stderr, read with \`mxctl logs synapse\`.
version: 1
formatters:
  precise:
    format: '%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(request)s - %(message)s'
filters:
  context:
    (): synapse.logging.context.LoggingContextFilter
    request: ""
handlers:
  console:
    class: logging.StreamHandler
    formatter: precise
    filters: [context]
loggers:
  synapse.storage.SQL:
    level: INFO
root:
  level: INFO
  handlers: [console]
disable_existing_loggers: false
`;
}
