import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { settingsFromChoices } from '../init-options.ts';
import { SECRET_KEYS } from '../settings.ts';
import { renderHomeserver } from '../templates/homeserver.ts';
import { renderNginx } from '../templates/nginx.ts';
import { ALL_WORKER_SERVICES, MAIN_REPLICATION_PORT, PRESETS, PRESET_NAMES, ROUTES } from './workers-presets.ts';
import { presetOf, renderWorkerConfig, replicationSecretOf, withWorkerBlocks } from './workers-config.ts';
import { renderWorkersCompose } from './workers-compose.ts';
import { composeFileFor, withEnvBlock, withoutWorkerBlocks } from './workers-env.ts';
import { MAIN_UPSTREAM } from './workers-routes.ts';

const secrets = Object.fromEntries(SECRET_KEYS.map((k) => [k, `${k.toLowerCase()}-${'x'.repeat(43)}`])) as Record<
  (typeof SECRET_KEYS)[number],
  string
>;
const s = settingsFromChoices({ domain: 'example.org' }, secrets);
const SECRET = 'r'.repeat(43);
const input = (preset: (typeof PRESET_NAMES)[number]) => ({
  preset,
  serverName: s.MX_SERVER_NAME,
  bindAddress: '0.0.0.0',
  replicationSecret: SECRET,
});

test('presets: every worker has its own ports, none of them main replication, Redis or the stack ones', () => {
  const ports = PRESET_NAMES.flatMap((p) =>
    PRESETS[p].workers.flatMap((w) => [w.ports.http, w.ports.replication, w.ports.metrics]),
  ).filter((p) => p !== undefined);
  assert.equal(new Set(ports).size, ports.length);
  for (const taken of [80, 443, 5432, 6379, 8008, 8080, 9000, MAIN_REPLICATION_PORT])
    assert.ok(!ports.includes(taken), `port ${taken}`);
  assert.deepEqual(
    PRESET_NAMES.flatMap((p) => PRESETS[p].workers.map((w) => w.name)).sort(),
    [...ALL_WORKER_SERVICES].sort(),
  );
});

test('homeserver.yaml: worker mode adds the replication listener, secret, Redis and instance_map; going back is byte-identical', () => {
  const hs = renderHomeserver(s);
  for (const preset of PRESET_NAMES) {
    const next = withWorkerBlocks(hs, input(preset));
    assert.ok(next !== undefined);
    const doc = parseYaml(next) as {
      listeners: { port: number; resources?: { names: string[] }[] }[];
      worker_replication_secret: string;
      redis: { enabled: boolean; host: string };
      instance_map: Record<string, { host: string; port: number }>;
      federation_sender_instances?: string[];
    };
    assert.ok(
      doc.listeners.some((l) => l.port === MAIN_REPLICATION_PORT && l.resources?.[0]?.names[0] === 'replication'),
    );
    assert.equal(doc.listeners.length, 3);
    assert.equal(doc.worker_replication_secret, SECRET);
    assert.deepEqual(doc.redis, { enabled: true, host: 'redis', port: 6379 });
    assert.deepEqual(doc.instance_map['main'], { host: 'synapse', port: MAIN_REPLICATION_PORT });
    for (const w of PRESETS[preset].workers)
      assert.deepEqual(doc.instance_map[w.name], { host: w.name, port: w.ports.replication });
    assert.equal(
      doc.federation_sender_instances?.join(','),
      preset === 'federation' ? 'synapse-federation-sender-1' : undefined,
    );
    assert.equal(presetOf(next), preset);
    assert.equal(replicationSecretOf(next), SECRET);
    assert.equal(withoutWorkerBlocks(next), hs);
    // Switching presets replaces the blocks instead of adding a second set.
    const other = withWorkerBlocks(next, input(preset === 'users' ? 'federation' : 'users'));
    assert.equal(withoutWorkerBlocks(other ?? ''), hs);
  }
  assert.equal(withWorkerBlocks('server_name: x\n', input('users')), undefined);
});

test('worker files: a generic worker with its listeners, loaded after homeserver.yaml', () => {
  for (const preset of PRESET_NAMES)
    for (const w of PRESETS[preset].workers) {
      const doc = parseYaml(renderWorkerConfig(w, input(preset))) as {
        worker_app: string;
        worker_name: string;
        worker_listeners: { type: string; port: number; resources?: { names: string[] }[] }[];
      };
      assert.equal(doc.worker_app, 'synapse.app.generic_worker');
      assert.equal(doc.worker_name, w.name);
      const ports = doc.worker_listeners.map((l) => l.port);
      assert.ok(ports.includes(w.ports.replication) && ports.includes(w.ports.metrics));
      assert.equal(ports.includes(w.ports.http ?? -1), w.ports.http !== undefined);
      assert.equal(JSON.stringify(doc).includes('worker_replication_host'), false);
    }
});

test('.env: the block switches compose to the workers file and profile; removing it is byte-identical', () => {
  const env = 'A=1\n# comment\nB=2\n';
  const next = withEnvBlock(env, { preset: 'users', redisImage: 'redis:7.4', composeFile: composeFileFor(true) });
  assert.match(next, /^COMPOSE_FILE=docker-compose\.yml:docker-compose\.workers\.yml:docker-compose\.override\.yml$/m);
  assert.match(next, /^COMPOSE_PROFILES=workers,synapse-sync-1,synapse-client-reader-1$/m);
  assert.match(next, /^SYNAPSE_WORKERS=users$/m);
  assert.equal(withoutWorkerBlocks(next), env);
  assert.equal(composeFileFor(false), 'docker-compose.yml:docker-compose.workers.yml');
});

test('compose: Redis in the workers profile, each worker in its own, health-checked on their own listener', () => {
  for (const preset of PRESET_NAMES) {
    const doc = parseYaml(renderWorkersCompose(preset, '127.0.0.5')) as {
      services: Record<string, { profiles?: string[]; healthcheck?: { test: string[] }; command?: string[] }>;
    };
    const names = PRESETS[preset].workers.map((w) => w.name);
    assert.deepEqual(Object.keys(doc.services).sort(), ['redis', 'synapse', ...names].sort());
    for (const w of PRESETS[preset].workers) {
      const svc = doc.services[w.name];
      assert.deepEqual(svc?.profiles, [w.name]);
      assert.match(svc?.healthcheck?.test[1] ?? '', new RegExp(`http://127\\.0\\.0\\.5:${w.ports.replication}/health`));
      assert.ok(svc?.command?.includes(`--config-path=/data/workers/${w.name}.yaml`));
    }
  }
});

test('nginx: without workers the site is what it was; with a preset, every route of its workers goes to them', () => {
  const off = renderNginx(s);
  assert.equal(off['matrix.conf.template']?.includes('upstream'), false);
  assert.ok(off['matrix.conf.template']?.includes('proxy_pass http://synapse:8008;'));
  for (const preset of PRESET_NAMES) {
    const on = renderNginx({ ...s, SYNAPSE_WORKERS: preset });
    const site = on['matrix.conf.template'] ?? '';
    for (const w of PRESETS[preset].workers)
      for (const r of ROUTES[w.kind]) assert.ok(site.includes(`"~${r}" mx_${w.name.replace(/-/g, '_')};`), r);
    assert.match(site, new RegExp(`default ${MAIN_UPSTREAM};`));
    // Only the Synapse site changes, and in it only the routing and the proxy target.
    for (const name of Object.keys(off)) if (name !== 'matrix.conf.template') assert.equal(on[name], off[name]);
    const head = site.slice(site.indexOf('\n') + 1, site.indexOf('server {'));
    const back = site
      .replace(head, '')
      .replace('proxy_pass http://$mx_synapse_upstream;', 'proxy_pass http://synapse:8008;');
    assert.equal(back, off['matrix.conf.template']);
  }
});

test("worker mode keeps the monitor's profile: the block lists it, --workers 0 leaves the line outside as it was", () => {
  const env = 'COMPOSE_PROFILES=monitor\n';
  const next = withEnvBlock(env, {
    preset: 'users',
    redisImage: 'redis:7.4',
    composeFile: composeFileFor(false),
    monitor: true,
  });
  const profiles = [...next.matchAll(/^COMPOSE_PROFILES=(.*)$/gm)].map((m) => m[1]);
  assert.equal(profiles.at(-1)?.split(',').includes('monitor'), true, 'the last line (compose reads it) keeps monitor');
  assert.equal(withoutWorkerBlocks(next), env);
});
