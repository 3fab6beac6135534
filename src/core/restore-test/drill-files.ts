// The files of a restore drill's throwaway stack (`mxctl restore-test`). Pure.
//
// Design: the drill is a second compose project, `<project>-drill`, with only postgres and
// synapse (no nginx, certbot, element: no public port, no certificate request). It runs the
// images production's compose file resolves to (`docker compose config`, so a lab override's
// local builds too), its own database volume (`<project>-drill_postgres-data`), and a folder of
// its own under the deployment (drills/, never backed up) holding this compose file and the
// archive's files as staged by the restore's reader. Synapse listens only on the drill's
// loopback address, federation and pushers off.
// Two network shapes, chosen by what production does (DESIGN.md §5: the lab's override is the
// only difference): production's bridge network → a bridge network of the drill's own and
// Synapse published on ADDRESS:PORT only; the lab's host networking → host networking with
// postgres and Synapse bound to ADDRESS (a loopback address no lab uses), `postgres` mapped there.
// (`--network bridge|host` picks one; the lab's e2e test runs both.)

export const DRILL_SUFFIX = '-drill';
/** The drills' folder inside the deployment (excluded from backups, see core/backup/file-selection.ts). */
export const DRILLS_DIR = 'drills';
/** Where the drill's Synapse finds its extra config inside the container. */
const DRILL_YAML_IN_CONTAINER = '/mxctl-drill/drill.yaml';
/** Inside the container (bridge network): Synapse's own port. */
const SYNAPSE_CONTAINER_PORT = 8008;

export function drillProjectName(project: string): string {
  return `${project}${DRILL_SUFFIX}`;
}

export interface DrillStackSpec {
  project: string;
  address: string;
  port: number;
  hostNetwork: boolean;
  images: { postgres: string; synapse: string };
  db: { user: string; password: string; name: string };
  /** Host paths: the staged synapse/ folder (mounted at /data) and the drill's Synapse config. */
  synapseDir: string;
  drillYaml: string;
}

const q = (v: string | number): string => JSON.stringify(String(v).replaceAll('$', '$$$$'));

/** compose/docker-compose.yml of the drill. Values are written out (no .env), `$` escaped. */
export function renderDrillCompose(s: DrillStackSpec): string {
  const host = s.hostNetwork;
  const pgReady = `pg_isready -q ${host ? `-h ${s.address} ` : ''}-U "$POSTGRES_USER" -d "$POSTGRES_DB"`;
  const health = host ? `http://${s.address}:${s.port}/health` : `http://localhost:${SYNAPSE_CONTAINER_PORT}/health`;
  const net = host ? `    network_mode: host\n` : '';
  return `# mxctl restore-test: the drill's throwaway stack. Removed when the drill ends; a drill killed
# part-way is cleaned up (by its project name) by the next one.
name: ${q(s.project)}

services:
  postgres:
    image: ${q(s.images.postgres)}
${net}${host ? `    command: ["postgres", "-c", ${q(`listen_addresses=${s.address}`)}]\n` : ''}    environment:
      POSTGRES_USER: ${q(s.db.user)}
      POSTGRES_PASSWORD: ${q(s.db.password)}
      POSTGRES_DB: ${q(s.db.name)}
      POSTGRES_INITDB_ARGS: "--encoding=UTF8 --locale=C"
    volumes:
      - postgres-data:/var/lib/postgresql
    healthcheck:
      test: ["CMD-SHELL", ${q(pgReady)}]
      interval: 2s
      timeout: 5s
      retries: 60

  synapse:
    image: ${q(s.images.synapse)}
${net}${host ? `    extra_hosts: [${q(`postgres:${s.address}`)}]\n` : `    ports:\n      - ${q(`${s.address}:${s.port}:${SYNAPSE_CONTAINER_PORT}`)}\n`}    depends_on:
      postgres:
        condition: service_healthy
    environment:
      SYNAPSE_CONFIG_PATH: /data/homeserver.yaml
    command: ["run", "-m", "synapse.app.homeserver", "--config-path=/data/homeserver.yaml", "--config-path=${DRILL_YAML_IN_CONTAINER}"]
    volumes:
      - ${q(`${s.synapseDir}:/data`)}
      - ${q(`${s.drillYaml}:${DRILL_YAML_IN_CONTAINER}:ro`)}
    healthcheck:
      test: ["CMD-SHELL", ${q(`curl -fSs ${health} || exit 1`)}]
      interval: 2s
      timeout: 5s
      retries: 150

volumes:
  postgres-data:
`;
}

/**
 * Merged after the restored homeserver.yaml (Synapse merges top-level keys, later files win):
 * the drill's own database (whatever host the backed-up config names: a drill must never reach
 * production's database), one listener without the federation resource (`keys` still publishes
 * the signing key), no federation sender, no pushers (a restored pusher would notify real
 * phones), no redis, no metrics, media where the drill staged them.
 */
export function renderDrillSynapseConfig(s: Pick<DrillStackSpec, 'address' | 'port' | 'hostNetwork' | 'db'>): string {
  const bind = s.hostNetwork ? s.address : '0.0.0.0';
  const port = s.hostNetwork ? s.port : SYNAPSE_CONTAINER_PORT;
  return `# mxctl restore-test: the drill's Synapse, merged after the restored homeserver.yaml.
database:
  name: psycopg2
  args:
    user: ${JSON.stringify(s.db.user)}
    password: ${JSON.stringify(s.db.password)}
    dbname: ${JSON.stringify(s.db.name)}
    host: postgres
    port: 5432
    cp_min: 1
    cp_max: 5
media_store_path: /data/media_store
redis:
  enabled: false
listeners:
  - port: ${port}
    type: http
    tls: false
    x_forwarded: false
    bind_addresses: [${JSON.stringify(bind)}]
    resources:
      - names: [client, keys]
        compress: false
federation_domain_whitelist: []
federation_sender_instances: []
pusher_instances: []
trusted_key_servers: []
enable_metrics: false
url_preview_enabled: false
`;
}
