// compose/docker-compose.yml. Every value that differs between deployments comes from .env
// (compose/.env links to ../.env), so this file is the same for every deployment and a lab
// override file is the only difference between production and the lab.

export const SERVICES = ['postgres', 'synapse', 'element', 'nginx', 'certbot'] as const;
export type ServiceName = (typeof SERVICES)[number];

export function isServiceName(name: string): name is ServiceName {
  return (SERVICES as readonly string[]).includes(name);
}

/** The certbot lineage name: certificates live in certs/live/<CERT_NAME>/. */
export const CERT_NAME = 'element-matrix';

export function renderCompose(): string {
  return `# element-matrix stack — written by \`mxctl init\`; operate it with mxctl (or docker compose in this folder).
# Settings and image pins: ../.env. Persistent data: ../synapse (config, signing key, media),
# ../certs (TLS), and the database volume POSTGRES_VOLUME (dumped by \`mxctl backup\`).
name: \${COMPOSE_PROJECT_NAME}

services:
  postgres:
    image: \${POSTGRES_IMAGE}
    restart: unless-stopped
    # NOTE: a reaper as PID 1 (Docker's tini). A health check that times out leaves its pg_isready
    # orphaned; without it the postmaster (PID 1) reaps that stranger, takes it for a crashed
    # backend and restarts every connection (seen in the lab under load: Synapse's background
    # updates aborted).
    init: true
    environment:
      POSTGRES_USER: \${POSTGRES_USER}
      POSTGRES_PASSWORD: \${POSTGRES_PASSWORD}
      POSTGRES_DB: \${POSTGRES_DB}
      # Synapse refuses a database that is not UTF8 with C collation and ctype.
      POSTGRES_INITDB_ARGS: "--encoding=UTF8 --locale=C"
    # The volume and its mount point are settings: a PostgreSQL major upgrade loads a new volume
    # and switches to it with the pin (the old one is kept), and images up to 17 keep their data
    # in /var/lib/postgresql/data, 18 and later under /var/lib/postgresql.
    volumes:
      - postgres-data:\${POSTGRES_DATA_MOUNT:-/var/lib/postgresql}
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -q -h 127.0.0.1 -U \\"$\${POSTGRES_USER}\\" -d \\"$\${POSTGRES_DB}\\""]
      interval: 10s
      timeout: 5s
      retries: 5
      start_period: 60s

  synapse:
    image: \${SYNAPSE_IMAGE}
    restart: unless-stopped
    depends_on:
      postgres:
        condition: service_healthy
    environment:
      SYNAPSE_CONFIG_PATH: /data/homeserver.yaml
    volumes:
      - ../synapse:/data
    # Published on loopback only: mxctl's path to the admin API, never the public one.
    ports:
      - "\${SYNAPSE_LOCAL_ADDRESS}:\${SYNAPSE_LOCAL_PORT}:8008"
    healthcheck:
      test: ["CMD-SHELL", "curl -fSs http://localhost:8008/health || exit 1"]
      interval: 15s
      timeout: 5s
      retries: 3
      start_period: 120s

  element:
    image: \${ELEMENT_IMAGE}
    restart: unless-stopped
    environment:
      ELEMENT_WEB_PORT: \${ELEMENT_WEB_PORT:-80}
    volumes:
      - ../element/config.json:/app/config.json:ro
    healthcheck:
      test: ["CMD-SHELL", "wget -q --spider http://127.0.0.1:$\${ELEMENT_WEB_PORT}/config.json || exit 1"]
      interval: 30s
      timeout: 5s
      retries: 3
      start_period: 10s

  nginx:
    image: \${NGINX_IMAGE}
    restart: unless-stopped
    depends_on:
      synapse:
        condition: service_healthy
      element:
        condition: service_healthy
    environment:
      NGINX_BIND_ADDRESS: \${NGINX_BIND_ADDRESS:-0.0.0.0}
      ELEMENT_WEB_PORT: \${ELEMENT_WEB_PORT:-80}
    ports:
      - "80:80"
      - "443:443"
    # The image's own entrypoint (templates, then nginx), preceded by mxctl's watcher: it turns
    # HSTS on once a CA-issued certificate is deployed and reloads nginx after each renewal.
    entrypoint: ["/bin/sh", "-c", "sh /mxctl/reload-on-renewal.sh; exec /docker-entrypoint.sh \\"$$@\\"", "nginx-entrypoint"]
    command: ["nginx", "-g", "daemon off;"]
    volumes:
      - ../nginx/templates:/etc/nginx/templates:ro
      - ../nginx/reload-on-renewal.sh:/mxctl/reload-on-renewal.sh:ro
      - ../certs:/etc/letsencrypt:ro
      - ../certbot/www:/var/www/certbot:ro
    healthcheck:
      test: ["CMD-SHELL", "curl -fsS http://127.0.0.1/.mxctl/health || exit 1"]
      interval: 30s
      timeout: 5s
      retries: 3
      start_period: 10s

  certbot:
    image: \${CERTBOT_IMAGE}
    restart: unless-stopped
    # Renewal loop: certbot decides whether a renewal is due (2/3 of the lifetime, or the CA's
    # renewal info); its deploy hook (../certs/renewal-hooks/deploy/) makes nginx reload.
    entrypoint: ["/bin/sh", "-c", "trap exit TERM; while :; do certbot renew --server \\"$\${ACME_SERVER}\\" --quiet; sleep \\"$\${RENEW_EVERY}\\" & wait $\${!}; done"]
    environment:
      ACME_SERVER: \${ACME_SERVER}
      RENEW_EVERY: 12h
    volumes:
      - ../certs:/etc/letsencrypt
      - ../certbot/www:/var/www/certbot
      # certbot's own log of each run: \`mxctl certs status\` reads the last renewal attempt there.
      - ../certbot/logs:/var/log/letsencrypt
    healthcheck:
      test: ["CMD-SHELL", "kill -0 1"]
      interval: 60s
      timeout: 5s
      retries: 3

  # The monitor (issue 9): off unless COMPOSE_PROFILES=monitor in ../.env, so a deployment without
  # it runs exactly the services above. Its image is built here from the installed mxctl
  # (container/Dockerfile). It runs as the image's user mxctl (10001) with two capabilities,
  # DAC_OVERRIDE and FOWNER, to read this folder's root-owned 0600 files and keep state/ 0700; it
  # can write only state/. It has
  # Docker's socket: the stack's signals read \`docker compose ps\` and backups run \`docker compose
  # exec\`, and that socket is root on this machine (README, "The monitor as a service").
  # Host networking: it reaches the public names, Synapse's metrics and its own loopback
  # listener (the status page, /metrics) exactly as mxctl on the host does.
  monitor:
    profiles: [monitor]
    image: element-matrix/mxctl:local
    build:
      context: \${MONITOR_MXCTL_DIR:-/usr/local/lib/node_modules/element-matrix}
      dockerfile: container/Dockerfile
    restart: unless-stopped
    network_mode: host
    user: "10001:10001"
    cap_drop: [ALL]
    cap_add: [DAC_OVERRIDE, FOWNER]
    read_only: true
    tmpfs:
      - /tmp
      - /home/mxctl
    environment:
      MXCTL_DIR: \${MONITOR_DEPLOYMENT_DIR:-/nonexistent}
    volumes:
      - \${MONITOR_DEPLOYMENT_DIR:-/nonexistent}:\${MONITOR_DEPLOYMENT_DIR:-/nonexistent}:ro
      - \${MONITOR_DEPLOYMENT_DIR:-/nonexistent}/state:\${MONITOR_DEPLOYMENT_DIR:-/nonexistent}/state
      - /var/run/docker.sock:/var/run/docker.sock
      # Read-only, for the disk signals: the filesystems of Docker's data root and the media volume.
      - /var/lib/docker:/var/lib/docker:ro
    # The daemon: a pass of every check each MONITOR_INTERVAL, its page and /metrics on loopback.
    command: [monitor, run]

volumes:
  postgres-data:
    name: \${POSTGRES_VOLUME:-\${COMPOSE_PROJECT_NAME}_postgres-data}
`;
}
