// The lab's additions to a deployment `mxctl init` wrote: a compose override (lab images,
// host networking on loopback, pebble as the ACME CA) and Synapse listeners bound to 127.0.0.1.
// Production files stay untouched: the override is the only difference (DESIGN.md §5).

export const LAB_DOMAIN = 'lab.test';
export const PEBBLE_DIR = 'http://127.0.0.1:14000/dir'.replace('http:', 'https:');
export const PEBBLE_MANAGEMENT = 'https://127.0.0.1:15000';
export const LAB_ELEMENT_PORT = 8080;

const HOSTS = ['postgres', 'synapse', 'element', 'nginx', 'certbot', 'pebble'].map((h) => `"${h}:127.0.0.1"`).join(', ');

export function renderLabOverride(): string {
  return `# element-matrix LAB override — written by lab/lab.ts, not by \`mxctl init\`.
# Lab images (built from Debian packages), host networking bound to 127.0.0.1, service names
# mapped to 127.0.0.1, and pebble as the ACME CA. docker compose merges this file automatically.
x-lab: &lab
  network_mode: host
  extra_hosts: [${HOSTS}]

services:
  postgres:
    <<: *lab
    image: element-matrix-lab/postgres:lab
    command: ["postgres", "-c", "listen_addresses=127.0.0.1"]
  synapse:
    <<: *lab
    image: element-matrix-lab/synapse:lab
    ports: !reset []
    # The upstream image's \`run\` mode passes these to python: lab.yaml rebinds the listeners.
    command: ["run", "-m", "synapse.app.homeserver", "--config-path=/data/homeserver.yaml", "--config-path=/data/lab.yaml"]
  element:
    <<: *lab
    image: element-matrix-lab/element:lab
    environment:
      ELEMENT_WEB_PORT: "${LAB_ELEMENT_PORT}"
  nginx:
    <<: *lab
    image: element-matrix-lab/nginx:lab
    ports: !reset []
    environment:
      NGINX_BIND_ADDRESS: 127.0.0.1
      ELEMENT_WEB_PORT: "${LAB_ELEMENT_PORT}"
  certbot:
    <<: *lab
    image: element-matrix-lab/certbot:lab
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
    # DNS for pebble's validation: every name resolves to 127.0.0.1, where nginx serves port 80.
    command: ["pebble-challtestsrv", "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "", "-dnsserver", "127.0.0.1:8053",
              "-http01", "", "-https01", "", "-tlsalpn01", "", "-doh", "", "-management", "127.0.0.1:8055"]
  pebble:
    <<: *lab
    image: element-matrix-lab/pebble:lab
    restart: unless-stopped
    depends_on: [challtestsrv]
    command: ["pebble", "-config", "/lab/pebble/pebble-config.json", "-dnsserver", "127.0.0.1:8053"]
    environment:
      PEBBLE_VA_NOSLEEP: "1"
      PEBBLE_WFE_NONCEREJECT: "0"
    volumes:
      - ../lab/pebble:/lab/pebble:ro
    healthcheck:
      test: ["CMD-SHELL", "curl -fsS --cacert /lab/pebble/cert.pem https://127.0.0.1:14000/dir >/dev/null"]
      interval: 2s
      timeout: 5s
      retries: 30
`;
}

export function renderLabSynapseConfig(): string {
  return `# LAB ONLY (lab/lab.ts): host networking, so Synapse binds loopback. Merged after
# homeserver.yaml; Synapse merges top-level keys, so this replaces the whole listeners list.
listeners:
  - port: 8008
    type: http
    tls: false
    x_forwarded: true
    bind_addresses: ["127.0.0.1"]
    resources:
      - names: [client, federation]
        compress: false
  - port: 9000
    type: metrics
    bind_addresses: ["127.0.0.1"]
`;
}

export function renderPebbleConfig(): string {
  return `${JSON.stringify(
    {
      pebble: {
        listenAddress: '127.0.0.1:14000',
        managementListenAddress: '127.0.0.1:15000',
        certificate: '/lab/pebble/cert.pem',
        privateKey: '/lab/pebble/key.pem',
        // Real HTTP-01 validation: pebble connects to port 80 on 127.0.0.1 (nginx).
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
