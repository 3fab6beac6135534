// The lab's additions to a deployment `mxctl init` wrote: a compose override (lab images,
// host networking on loopback, pebble as the ACME CA) and Synapse listeners bound to the lab's loopback address.
// Production files stay untouched: the override is the only difference (DESIGN.md §5).
import { ALL_WORKER_SERVICES, MAIN_REPLICATION_PORT, REDIS_PORT } from '../src/core/scale/workers-presets.ts';
import { WORKERS_PROFILE } from '../src/core/scale/workers-env.ts';

// Each lab lives on its own loopback address 127.0.0.N (all of 127/8 is local on Linux), so
// several labs — `npm run lab` on 127.0.0.1 and e2e test files on 127.0.0.2+ — run side by side.
export interface LabSlot {
  n: number;
  address: string;
  domain: string;
}

export function labSlot(n: number): LabSlot {
  if (!Number.isInteger(n) || n < 1 || n > 250) throw new Error(`lab slot ${n} is out of range 1..250`);
  return { n, address: `127.0.0.${n}`, domain: n === 1 ? 'lab.test' : `lab${n}.test` };
}

export const pebbleDirectory = (a: string): string => `https://${a}:14000/dir`;
export const pebbleManagement = (a: string): string => `https://${a}:15000`;
export const LAB_ELEMENT_PORT = 8080;

export interface LabOverrideOptions {
  /**
   * Services whose image comes from the deployment's .env pin (`SYNAPSE_IMAGE`, ...) instead of
   * the local lab build: the upgrade tests pin images in the lab's registry (lab/registry.ts).
   */
  imagesFromEnv?: readonly string[];
  /**
   * The lab image main Synapse runs (default `synapse`): worker mode needs `synapse-workers`,
   * which carries the Redis client Synapse's replication imports (lab/README.md).
   */
  synapseImage?: string;
}

/**
 * Worker mode's services (compose/docker-compose.workers.yml, loaded only in worker mode), made
 * lab-shaped: host networking and lab images. Each in the profile worker mode uses for it (Redis
 * `workers`, a worker its own name), so only the preset's ones start; their listeners bind the lab's address (mxctl binds
 * workers to SYNAPSE_LOCAL_ADDRESS when Synapse is host-networked).
 */
function renderLabWorkerServices(a: string): string {
  const workers = ALL_WORKER_SERVICES.map(
    (name) => `  ${name}:
    <<: *lab
    profiles: [${name}]
    image: element-matrix-lab/synapse-workers:lab
`,
  ).join('');
  return `  redis:
    <<: *lab
    profiles: [${WORKERS_PROFILE}]
    image: element-matrix-lab/redis:lab
    command: ["redis-server", "--bind", "${a}", "--port", "${REDIS_PORT}", "--protected-mode", "no", "--save", "", "--appendonly", "no"]
${workers}`;
}

export function renderLabOverride(a: string, o: LabOverrideOptions = {}): string {
  const fromEnv = new Set(o.imagesFromEnv ?? []);
  const image = (service: string) =>
    fromEnv.has(service)
      ? `# image: the ${service.toUpperCase()}_IMAGE pin in .env (an image in the lab's registry)`
      : `image: element-matrix-lab/${service}:lab`;
  const hosts = ['postgres', 'synapse', 'element', 'nginx', 'certbot', 'pebble', 'redis', ...ALL_WORKER_SERVICES]
    .map((h) => `"${h}:${a}"`)
    .join(', ');
  return `# element-matrix LAB override — written by lab/lab.ts, not by \`mxctl init\`.
# Lab images (built from Debian packages), host networking bound to the lab's loopback address, service names
# mapped to it, and pebble as the ACME CA. docker compose merges this file automatically.
x-lab: &lab
  network_mode: host
  extra_hosts: [${hosts}]

services:
  postgres:
    <<: *lab
    ${image('postgres')}
    command: ["postgres", "-c", "listen_addresses=${a}"]
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -q -h ${a} -U \\"$\${POSTGRES_USER}\\" -d \\"$\${POSTGRES_DB}\\""]
  synapse:
    <<: *lab
    ${o.synapseImage === undefined ? image('synapse') : `image: element-matrix-lab/${o.synapseImage}:lab`}
    ports: !reset []
    # The upstream image's \`run\` mode passes these to python: lab.yaml rebinds the listeners.
    command: ["run", "-m", "synapse.app.homeserver", "--config-path=/data/homeserver.yaml", "--config-path=/data/lab.yaml"]
    healthcheck:
      test: ["CMD-SHELL", "curl -fSs http://${a}:8008/health || exit 1"]
  element:
    <<: *lab
    # The element slot serves Hydrogen in the lab, a test client (lab/README.md): not Element.
    ${fromEnv.has('element') ? '# image: the ELEMENT_IMAGE pin in .env (Hydrogen pushed to the lab registry)' : 'image: element-matrix-lab/hydrogen:lab'}
    environment:
      ELEMENT_WEB_PORT: "${LAB_ELEMENT_PORT}"
      ELEMENT_BIND_ADDRESS: ${a}
    healthcheck:
      test: ["CMD-SHELL", "wget -q --spider http://${a}:${LAB_ELEMENT_PORT}/config.json || exit 1"]
  nginx:
    <<: *lab
    ${image('nginx')}
    ports: !reset []
    environment:
      NGINX_BIND_ADDRESS: ${a}
      ELEMENT_WEB_PORT: "${LAB_ELEMENT_PORT}"
    healthcheck:
      test: ["CMD-SHELL", "curl -fsS http://${a}/.mxctl/health || exit 1"]
  certbot:
    <<: *lab
    ${image('certbot')}
    depends_on:
      pebble:
        condition: service_healthy
    environment:
      REQUESTS_CA_BUNDLE: /lab/pebble/cert.pem
    volumes:
      - ../lab/pebble:/lab/pebble:ro
  challtestsrv:
    <<: *lab
    image: element-matrix-lab/pebble:lab
    restart: unless-stopped
    # DNS for pebble's validation: every name resolves to ${a}, where this lab's nginx serves port 80.
    command: ["pebble-challtestsrv", "-defaultIPv4", "${a}", "-defaultIPv6", "", "-dnsserver", "${a}:8053",
              "-http01", "", "-https01", "", "-tlsalpn01", "", "-doh", "", "-management", "${a}:8055"]
  pebble:
    <<: *lab
    image: element-matrix-lab/pebble:lab
    restart: unless-stopped
    depends_on: [challtestsrv]
    command: ["pebble", "-config", "/lab/pebble/pebble-config.json", "-dnsserver", "${a}:8053"]
    environment:
      PEBBLE_VA_NOSLEEP: "1"
      # Validate every order: a reused authorization would hide a challenge that fails.
      PEBBLE_AUTHZREUSE: "0"
      PEBBLE_WFE_NONCEREJECT: "0"
    volumes:
      - ../lab/pebble:/lab/pebble:ro
    healthcheck:
      test: ["CMD-SHELL", "curl -fsS --cacert /lab/pebble/cert.pem https://${a}:14000/dir >/dev/null"]
      interval: 2s
      timeout: 5s
      retries: 30
${renderLabWorkerServices(a)}`;
}

export function renderLabSynapseConfig(a: string): string {
  return `# LAB ONLY (lab/lab.ts): host networking, so Synapse binds loopback. Merged after
# homeserver.yaml; Synapse merges top-level keys, so this replaces the whole listeners list.
listeners:
  - port: 8008
    type: http
    tls: false
    x_forwarded: true
    bind_addresses: ["${a}"]
    resources:
      - names: [client, federation]
        compress: false
  - port: 9000
    type: metrics
    bind_addresses: ["${a}"]
  # Main's replication listener, which \`mxctl scale workers\` adds to homeserver.yaml in worker
  # mode (this file replaces the whole list); unused while Synapse runs as one process.
  - port: ${MAIN_REPLICATION_PORT}
    type: http
    bind_addresses: ["${a}"]
    resources:
      - names: [replication]
`;
}

export function renderPebbleConfig(a: string): string {
  return `${JSON.stringify(
    {
      pebble: {
        listenAddress: `${a}:14000`,
        managementListenAddress: `${a}:15000`,
        certificate: '/lab/pebble/cert.pem',
        privateKey: '/lab/pebble/key.pem',
        // Real HTTP-01 validation: pebble connects to port 80 on the lab's address (nginx).
        httpPort: 80,
        tlsPort: 443,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
        retryAfter: { authz: 1, order: 1 },
        profiles: {
          default: { description: '90 days, like a public CA', validityPeriod: 7776000 },
          shortlived: { description: '6 days', validityPeriod: 518400 },
        },
      },
    },
    null,
    2,
  )}\n`;
}
