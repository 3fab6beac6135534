import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { drillProjectName, renderDrillCompose, renderDrillSynapseConfig } from './drill-files.ts';
import type { DrillStackSpec } from './drill-files.ts';

const spec: DrillStackSpec = {
  project: drillProjectName('matrix'),
  address: '127.0.0.254',
  port: 8008,
  hostNetwork: false,
  images: { postgres: 'postgres:16-alpine', synapse: 'matrixdotorg/synapse:v1.160.0' },
  db: { user: 'synapse', password: 'pa$$word', name: 'synapse' },
  synapseDir: '/srv/matrix/drills/drill-1/staged/deployment/synapse',
  drillYaml: '/srv/matrix/drills/drill-1/drill.yaml',
};

interface Service {
  image: string;
  network_mode?: string;
  ports?: string[];
  environment: Record<string, string>;
  extra_hosts?: string[];
  command?: string[];
  volumes: string[];
  healthcheck: { test: string[] };
}
const servicesOf = (yaml: string) => (parseYaml(yaml) as { name: string; services: Record<string, Service> }).services;

test('the drill is its own project: postgres and synapse only, production images, own volume', () => {
  const doc = parseYaml(renderDrillCompose(spec)) as { name: string; volumes: Record<string, unknown> };
  assert.equal(doc.name, 'matrix-drill');
  const s = servicesOf(renderDrillCompose(spec));
  assert.deepEqual(Object.keys(s), ['postgres', 'synapse']);
  assert.equal(s['postgres']?.image, 'postgres:16-alpine');
  assert.equal(s['synapse']?.image, 'matrixdotorg/synapse:v1.160.0');
  assert.deepEqual(Object.keys(doc.volumes), ['postgres-data']);
});

test('bridge network: Synapse published on the drill address only, postgres not at all', () => {
  const s = servicesOf(renderDrillCompose(spec));
  assert.deepEqual(s['synapse']?.ports, ['127.0.0.254:8008:8008']);
  assert.equal(s['postgres']?.ports, undefined);
  assert.equal(s['synapse']?.network_mode, undefined);
  const cfg = parseYaml(renderDrillSynapseConfig(spec)) as { listeners: { port: number; bind_addresses: string[] }[] };
  assert.deepEqual(cfg.listeners[0]?.bind_addresses, ['0.0.0.0']);
});

test('host network (the lab): everything bound to the drill address, postgres mapped there', () => {
  const host = { ...spec, hostNetwork: true, port: 18008 };
  const s = servicesOf(renderDrillCompose(host));
  assert.equal(s['synapse']?.network_mode, 'host');
  assert.equal(s['synapse']?.ports, undefined);
  assert.deepEqual(s['synapse']?.extra_hosts, ['postgres:127.0.0.254']);
  assert.deepEqual(s['postgres']?.command, ['postgres', '-c', 'listen_addresses=127.0.0.254']);
  assert.match(s['synapse']?.healthcheck.test[1] ?? '', /http:\/\/127\.0\.0\.254:18008\/health/);
  const cfg = parseYaml(renderDrillSynapseConfig(host)) as { listeners: { port: number; bind_addresses: string[] }[] };
  assert.deepEqual(
    cfg.listeners.map((l) => [l.port, l.bind_addresses]),
    [[18008, ['127.0.0.254']]],
  );
});

test("the drill's Synapse uses the drill's database, whatever host the backed-up config names", () => {
  const cfg = parseYaml(renderDrillSynapseConfig(spec)) as { database: { args: Record<string, unknown> } };
  assert.deepEqual(
    [cfg.database.args['host'], cfg.database.args['dbname'], cfg.database.args['user'], cfg.database.args['password']],
    ['postgres', 'synapse', 'synapse', 'pa$$word'],
  );
});

test("compose's $ interpolation cannot eat a password", () => {
  const s = servicesOf(renderDrillCompose(spec));
  assert.equal(s['postgres']?.environment['POSTGRES_PASSWORD'], 'pa$$$$word', 'each $ doubled: compose reads pa$$word');
});

test('federation, pushers and metrics are off; the signing key is still published', () => {
  const cfg = parseYaml(renderDrillSynapseConfig(spec)) as Record<string, unknown> & {
    listeners: { resources: { names: string[] }[] }[];
  };
  assert.deepEqual(cfg['federation_domain_whitelist'], []);
  assert.deepEqual(cfg['federation_sender_instances'], []);
  assert.deepEqual(cfg['pusher_instances'], []);
  assert.equal(cfg['enable_metrics'], false);
  assert.deepEqual(cfg['redis'], { enabled: false });
  assert.equal(cfg['media_store_path'], '/data/media_store');
  assert.deepEqual(cfg.listeners[0]?.resources[0]?.names, ['client', 'keys']);
  assert.equal(cfg.listeners.length, 1);
});
