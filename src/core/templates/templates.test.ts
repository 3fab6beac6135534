import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { renderCompose, SERVICES } from './compose.ts';
import { renderHomeserver, renderLogConfig } from './homeserver.ts';
import { renderNginx } from './nginx.ts';
import { renderElementConfig } from './element.ts';
import { renderRunbook } from './runbook.ts';
import { renderScripts } from './scripts.ts';
import { settingsFromChoices } from '../init-options.ts';
import { SECRET_KEYS } from '../settings.ts';

const secrets = Object.fromEntries(SECRET_KEYS.map((k) => [k, `${k.toLowerCase()}-${'x'.repeat(43)}`])) as Record<
  (typeof SECRET_KEYS)[number],
  string
>;
const s = settingsFromChoices({ domain: 'example.org' }, secrets);

interface ComposeService {
  image: string;
  restart: string;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  ports?: string[];
}

test('compose: every service pinned from .env, restarted, health-checked', () => {
  const doc = parseYaml(renderCompose()) as { services: Record<string, ComposeService & { profiles?: string[] }> };
  // The stack: every service no profile gates (the monitor runs only when switched on).
  const stack = Object.entries(doc.services).filter(([, svc]) => svc.profiles === undefined);
  assert.deepEqual(stack.map(([name]) => name).sort(), [...SERVICES].sort());
  for (const [name, svc] of stack) {
    assert.match(svc.image, /^\$\{[A-Z_]+_IMAGE\}$/, `${name} image comes from a pin`);
    assert.equal(svc.restart, 'unless-stopped', name);
    assert.ok(svc.healthcheck?.test, `${name} has a healthcheck`);
  }
  assert.equal(doc.services['synapse']?.depends_on?.['postgres']?.condition, 'service_healthy');
  assert.equal(doc.services['nginx']?.depends_on?.['synapse']?.condition, 'service_healthy');
  // the admin API path is published on loopback only
  assert.deepEqual(doc.services['synapse']?.ports, ['${SYNAPSE_LOCAL_ADDRESS}:${SYNAPSE_LOCAL_PORT}:8008']);
});

test('compose: the monitor runs only with its profile, as a non-root user with two capabilities, the folder read-only but state/', () => {
  const doc = parseYaml(renderCompose()) as { services: Record<string, Record<string, unknown>> };
  const m = doc.services['monitor'];
  assert.ok(m);
  assert.deepEqual(m['profiles'], ['monitor']);
  assert.equal(m['restart'], 'unless-stopped');
  assert.equal(m['user'], '10001:10001');
  assert.deepEqual(m['cap_drop'], ['ALL']);
  assert.deepEqual(m['cap_add'], ['DAC_OVERRIDE', 'FOWNER']);
  assert.equal(m['read_only'], true);
  assert.equal(m['network_mode'], 'host');
  const dir = '${MONITOR_DEPLOYMENT_DIR:-/nonexistent}';
  assert.deepEqual(m['volumes'], [
    `${dir}:${dir}:ro`,
    `${dir}/state:${dir}/state`,
    '/var/run/docker.sock:/var/run/docker.sock',
    '/var/lib/docker:/var/lib/docker:ro',
  ]);
  assert.deepEqual(m['command'], ['monitor', 'run'], 'the daemon');
});

test('compose: the database is created UTF8 with C collation', () => {
  assert.match(renderCompose(), /POSTGRES_INITDB_ARGS: "--encoding=UTF8 --locale=C"/);
});

test('homeserver.yaml: token-only registration, postgres, internal metrics, key paths', () => {
  const hs = parseYaml(renderHomeserver(s)) as Record<string, unknown> & {
    listeners: { type: string; port: number; resources?: { names: string[] }[] }[];
    database: { name: string; args: Record<string, unknown> };
  };
  assert.equal(hs['server_name'], 'example.org');
  assert.equal(hs['public_baseurl'], 'https://matrix.example.org/');
  assert.equal(hs['enable_registration'], true);
  assert.equal(hs['registration_requires_token'], true);
  assert.equal(hs['enable_registration_without_verification'], undefined);
  assert.equal(hs.database.name, 'psycopg2');
  assert.equal(hs.database.args['host'], 'postgres');
  assert.equal(hs.database.args['password'], secrets.POSTGRES_PASSWORD);
  assert.equal(hs['registration_shared_secret'], secrets.REGISTRATION_SHARED_SECRET);
  assert.equal(hs['macaroon_secret_key'], secrets.MACAROON_SECRET_KEY);
  assert.equal(hs['form_secret'], secrets.FORM_SECRET);
  assert.equal(hs['signing_key_path'], '/data/example.org.signing.key');
  assert.equal(hs['media_store_path'], '/data/media_store');
  assert.equal(hs['max_upload_size'], s.MAX_UPLOAD_SIZE);
  const metrics = hs.listeners.find((l) => l.type === 'metrics');
  assert.equal(metrics?.port, 9000);
  assert.ok(
    !hs.listeners.some((l) => l.resources?.some((r) => r.names.includes('metrics'))),
    'metrics not on the public listener',
  );
  assert.ok(parseYaml(renderLogConfig()));
  // server notices are on (mxctl notice send); federation is open until an allowlist is set
  assert.deepEqual(hs['server_notices'], {
    system_mxid_localpart: 'notices',
    system_mxid_display_name: 'Server Notices',
    room_name: 'Server Notices',
    room_topic: 'Announcements from the admins of example.org',
    auto_join: true,
  });
  assert.equal(hs['federation_domain_whitelist'], undefined);
  const closed = parseYaml(renderHomeserver({ ...s, MX_FEDERATION_ALLOWLIST: 'friend.example' })) as Record<
    string,
    unknown
  >;
  assert.deepEqual(closed['federation_domain_whitelist'], ['example.org', 'friend.example']);
});

test('nginx: admin API refused, upload size matches Synapse, well-known answers JSON', () => {
  const files = renderNginx(s);
  const matrix = files['matrix.conf.template'] ?? '';
  assert.match(matrix, /location \^~ \/_synapse\/admin \{\s+return 403;/);
  assert.match(matrix, /server_name matrix\.example\.org;/);
  assert.match(matrix, new RegExp(`client_max_body_size ${s.MAX_UPLOAD_SIZE};`));
  const base = files['base-domain.conf.template'] ?? '';
  const server = /location = \/\.well-known\/matrix\/server \{[^}]*return 200 '([^']+)'/.exec(base)?.[1];
  const client = /location = \/\.well-known\/matrix\/client \{[^}]*return 200 '([^']+)'/.exec(base)?.[1];
  assert.deepEqual(JSON.parse(server ?? ''), { 'm.server': 'matrix.example.org:443' });
  assert.deepEqual(JSON.parse(client ?? ''), { 'm.homeserver': { base_url: 'https://matrix.example.org' } });
  const common = files['00-common.conf.template'] ?? '';
  assert.match(common, /acme-challenge/);
  assert.match(common, /return 301 https:\/\/\$host\$request_uri;/);
  // only env vars nginx's entrypoint substitutes may appear as ${...}
  for (const text of Object.values(files)) {
    for (const m of text.matchAll(/\$\{([A-Z_]+)\}/g))
      assert.ok(['NGINX_BIND_ADDRESS', 'ELEMENT_WEB_PORT'].includes(m[1] ?? ''), m[1]);
  }
});

test('element config points at the homeserver', () => {
  const c = JSON.parse(renderElementConfig(s)) as {
    default_server_config: { 'm.homeserver': { base_url: string; server_name: string } };
  };
  assert.equal(c.default_server_config['m.homeserver'].base_url, 'https://matrix.example.org');
  assert.equal(c.default_server_config['m.homeserver'].server_name, 'example.org');
});

test('script shims call mxctl on their own deployment', () => {
  const { 'backup.sh': backup, 'restore.sh': restore } = renderScripts();
  assert.match(backup ?? '', /exec "\$mxctl" backup --dir "\$dir" "\$@"/);
  assert.match(restore ?? '', /exec "\$mxctl" restore --dir "\$dir" "\$@"/);
});

test("the repo's docs/RUNBOOK.md is the runbook init writes (for example.org)", async () => {
  const example = settingsFromChoices({ domain: 'example.org' }, secrets);
  const onDisk = await readFile(new URL('../../../docs/RUNBOOK.md', import.meta.url), 'utf8');
  assert.equal(onDisk, renderRunbook(example), 'regenerate with: node scripts/render-runbook.ts > docs/RUNBOOK.md');
  for (const secret of Object.values(secrets)) assert.ok(!onDisk.includes(secret));
});
