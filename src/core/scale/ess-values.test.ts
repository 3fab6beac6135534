// The export against ess-helm's matrix-stack values schema, as far as it can be checked offline.
// NOTE: the schema itself is not vendored (it is the chart's, ~1 MB). The constraints below were
// read from charts/matrix-stack/values.schema.json at element-hq/ess-helm 83c79817 (chart
// 26.8.2-dev), and the export of this fixture was validated once against that file with ajv:
// if the chart changes, re-read them there.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { settingsFromChoices } from '../init-options.ts';
import { SECRET_KEYS } from '../settings.ts';
import { renderHomeserver } from '../templates/homeserver.ts';
import { renderElementConfig } from '../templates/element.ts';
import { chartSize, essValues } from './ess-values.ts';
import { migrationCommands, renderMigrationGuide } from './migration-guide.ts';

const secrets = Object.fromEntries(
  SECRET_KEYS.map((k, i) => [k, `${k.toLowerCase()}-${i}-`.padEnd(43, 'x')]),
) as Record<(typeof SECRET_KEYS)[number], string>;
const settings = settingsFromChoices({ domain: 'example.org' }, secrets);
const homeserver = parseYaml(
  `${renderHomeserver(settings)}\nfederation_sender_instances: [fs1, fs2]\nmedia_instance_running_background_jobs: media1\nemail:\n  smtp_host: mail\n  smtp_pass: hunter2hunter2\n`,
) as Record<string, unknown>;
const element = JSON.parse(renderElementConfig(settings)) as Record<string, unknown>;
const x = essValues({ settings, homeserver, element, workerNames: ['synchrotron-1', 'synchrotron-2', 'odd-one'] });
const v = x.values as Record<string, Record<string, unknown>>;

/** Keys the schema allows (additionalProperties: false at each of these objects). */
const ALLOWED = {
  top: 'global serverName labels certManager matrixTools image ingress storage tolerations topologySpreadConstraints priorityClassName schedulerName runtimeClassName affinity clusterDomain networking deploymentMarkers initSecrets matrixRTC elementAdmin elementWeb haproxy hookshot matrixAuthenticationService postgres redis synapse wellKnownDelegation',
  synapse:
    'enabled checkConfigHook postgres redis media macaroon registrationSharedSecret signingKey additional appservices logging extraArgs replicas ingress image labels annotations containersSecurityContext extraEnv hostAliases nodeSelector priorityClassName schedulerName runtimeClassName affinity extraVolumes extraVolumeMounts extraInitContainers podSecurityContext resources serviceAccount serviceMonitors tolerations topologySpreadConstraints livenessProbe readinessProbe startupProbe workers',
  ingress: 'annotations host className tlsEnabled tlsSecret controllerType service additionalPaths',
  topIngress: 'annotations className tlsEnabled tlsSecret controllerType service',
  media: 'storage maxUploadSize',
  storage: 'existingClaim size storageClassName resourcePolicy selector volumeName',
  worker: 'enabled replicas resources topologySpreadConstraints livenessProbe readinessProbe startupProbe',
  wellKnown: 'enabled ingress labels baseDomainRedirect additional headers',
};
const WORKERS_NEEDING_REPLICAS =
  'client-reader device-lists event-creator event-persister federation-inbound federation-reader federation-sender initial-synchrotron mas-helper pusher receipts sliding-sync synchrotron'.split(
    ' ',
  );
const WORKER_TYPES = `${WORKERS_NEEDING_REPLICAS.join(' ')} account-data appservice background encryption media-repository presence-writer push-rules sso-login typing-persister user-dir`;

const within = (o: unknown, allowed: string, where: string) => {
  const ok = new Set(allowed.split(' '));
  for (const k of Object.keys(o as object))
    assert.ok(ok.has(k), `${where}: "${k}" is not a key the chart's schema allows`);
};
/** `{value}` xor `{secret, secretKey}`: here always the reference. */
const isReference = (o: unknown) =>
  typeof o === 'object' &&
  o !== null &&
  Object.keys(o).sort().join() === 'secret,secretKey' &&
  Object.values(o).every((x) => typeof x === 'string' && x !== '');

describe('the ess-helm export', () => {
  it('holds only keys the chart schema allows, with the types and patterns it requires', () => {
    within(v, ALLOWED.top, 'values');
    assert.equal(v['serverName'], 'example.org');
    within(v['ingress'], ALLOWED.topIngress, 'ingress');
    const synapse = v['synapse'] as Record<string, Record<string, unknown>>;
    within(synapse, ALLOWED.synapse, 'synapse');
    within(synapse['ingress'], ALLOWED.ingress, 'synapse.ingress');
    assert.equal(synapse['ingress']?.['host'], 'matrix.example.org');
    within(synapse['media'], ALLOWED.media, 'synapse.media');
    within(synapse['media']?.['storage'], ALLOWED.storage, 'synapse.media.storage');
    assert.match(String(synapse['media']?.['maxUploadSize']), /^[0-9]+[MK]$/);
    for (const k of ['signingKey', 'macaroon', 'registrationSharedSecret'])
      assert.ok(isReference(synapse[k]), `synapse.${k} is a Secret reference`);
    for (const [name, a] of Object.entries(synapse['additional'] ?? {})) {
      const keys = Object.keys(a as object)
        .sort()
        .join();
      assert.ok(
        keys === 'config' || keys === 'configSecret,configSecretKey',
        `additional.${name}: config xor configSecret`,
      );
    }
    const workers = synapse['workers'] as Record<string, Record<string, unknown>>;
    within(workers, WORKER_TYPES, 'synapse.workers');
    for (const [t, w] of Object.entries(workers)) {
      within(w, ALLOWED.worker, `synapse.workers.${t}`);
      if (WORKERS_NEEDING_REPLICAS.includes(t))
        assert.ok(Number.isInteger(w['replicas']) && Number(w['replicas']) >= 0);
    }
    const web = v['elementWeb'] as Record<string, Record<string, unknown>>;
    assert.equal(web['ingress']?.['host'], 'chat.example.org');
    for (const s of Object.values(web['additional'] ?? {})) assert.equal(typeof s, 'string');
    within(v['wellKnownDelegation'], ALLOWED.wellKnown, 'wellKnownDelegation');
    for (const c of ['postgres', 'matrixAuthenticationService', 'matrixRTC', 'wellKnownDelegation'])
      assert.equal(typeof (v[c] as { enabled?: unknown }).enabled, 'boolean');
  });
  it('worker counts come from Synapse instance settings and worker names', () => {
    const workers = (v['synapse'] as { workers: unknown }).workers;
    assert.deepEqual(workers, {
      'federation-sender': { enabled: true, replicas: 2 },
      'media-repository': { enabled: true },
      synchrotron: { enabled: true, replicas: 2 },
    });
    assert.deepEqual(x.unmatchedWorkers, ['odd-one']);
  });
  it('holds no secret: .env secrets, the database password and a secret-bearing block are left out', () => {
    const text = JSON.stringify(x.values);
    for (const k of SECRET_KEYS) assert.ok(!text.includes(secrets[k]), `${k} is not in the values`);
    assert.ok(!text.includes('hunter2hunter2'));
    assert.deepEqual(x.withheld, ['email']);
    const extra = parseYaml(
      (v['synapse'] as { additional: { '0-mxctl': { config: string } } }).additional['0-mxctl'].config,
    ) as Record<string, unknown>;
    assert.equal(extra['registration_requires_token'], true, 'a flag named like a secret is kept');
    for (const owned of ['database', 'listeners', 'macaroon_secret_key', 'form_secret', 'signing_key_path'])
      assert.equal(extra[owned], undefined, owned);
  });
  it("sizes in the chart's units", () => {
    assert.equal(chartSize('50M'), '50M');
    assert.equal(chartSize('2G'), '2048M');
  });
  it('MIGRATION.md has every command, in order, and no secret', () => {
    const g = {
      settings,
      root: '/srv/matrix',
      valuesPath: 'k8s/values.yaml',
      withheld: x.withheld,
      unmatchedWorkers: [],
    };
    const md = renderMigrationGuide(g);
    const commands = Object.values(migrationCommands(g)).flat();
    let at = 0;
    for (const c of commands) {
      const i = md.indexOf(c, at);
      assert.ok(i >= 0, `MIGRATION.md runs: ${c}`);
      at = i;
    }
    for (const k of SECRET_KEYS) assert.ok(!md.includes(secrets[k]));
    for (const c of commands.filter((c) => c.startsWith('kubectl')))
      assert.doesNotMatch(c, /--from-literal/, 'no secret in a command line');
    assert.match(md, /`email`/, 'the withheld block is named');
  });
});
