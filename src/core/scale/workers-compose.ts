// compose/docker-compose.workers.yml: Redis and the preset's worker processes. compose loads it
// only in worker mode (COMPOSE_FILE in .env lists it); Redis is in the `workers` profile and each
// worker in a profile of its own name (COMPOSE_PROFILES in .env names them: workers-env.ts).
import { PRESETS, REDIS_PORT } from './workers-presets.ts';
import type { PresetName, WorkerSpec } from './workers-presets.ts';
import { WORKERS_DIR, workerFileName } from './workers-config.ts';
import { WORKERS_PROFILE } from './workers-env.ts';

/** Where a health check inside the container reaches a listener bound to `bindAddress`. */
function probeHost(bindAddress: string): string {
  return bindAddress === '0.0.0.0' ? '127.0.0.1' : bindAddress;
}

function renderWorkerService(w: WorkerSpec, bindAddress: string): string {
  // NOTE: every listener answers /health; the replication one exists on every kind of worker.
  return `  ${w.name}:
    image: \${SYNAPSE_IMAGE}
    profiles: [${w.name}]
    restart: unless-stopped
    depends_on:
      synapse:
        condition: service_healthy
    environment:
      SYNAPSE_WORKER: synapse.app.generic_worker
    command: ["run", "-m", "synapse.app.generic_worker", "--config-path=/data/homeserver.yaml", "--config-path=/data/${WORKERS_DIR}/${workerFileName(w)}"]
    volumes:
      - ../synapse:/data
    healthcheck:
      test: ["CMD-SHELL", "curl -fSs http://${probeHost(bindAddress)}:${w.ports.replication}/health || exit 1"]
      interval: 15s
      timeout: 5s
      retries: 3
      start_period: 120s
`;
}

export function renderWorkersCompose(preset: PresetName, bindAddress: string): string {
  const workers = PRESETS[preset].workers;
  return `# Synapse worker mode (preset ${preset}) — written by \`mxctl scale workers\`; compose loads it through
# COMPOSE_FILE in ../.env. \`mxctl scale workers --workers 0\` stops these services and removes this file.
services:
  redis:
    image: \${REDIS_IMAGE}
    profiles: [${WORKERS_PROFILE}]
    restart: unless-stopped
    # Replication messages only (no persistence needed): Synapse re-syncs its streams on reconnect.
    healthcheck:
      test: ["CMD-SHELL", "redis-cli -h ${probeHost(bindAddress)} -p ${REDIS_PORT} ping | grep -q PONG"]
      interval: 10s
      timeout: 5s
      retries: 5

  synapse:
    depends_on:
      redis:
        condition: service_healthy

${workers.map((w) => renderWorkerService(w, bindAddress)).join('\n')}`;
}
