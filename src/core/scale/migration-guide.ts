// MIGRATION.md: from this Compose deployment to the ess-helm chart, command by command, and the
// way back. Every secret is read from the deployment's own files by the commands (never written
// here, never in argv: bash process substitution hands kubectl a file). Pure.
import type { Settings } from '../settings.ts';
import { CERT_NAME } from '../templates/compose.ts';
import { signingKeyFile } from '../templates/homeserver.ts';
import { ESS_DATABASE, K8S } from './ess-values.ts';

export interface GuideInput {
  settings: Settings;
  /** Where the deployment lives, as the admin will `cd` to it. */
  root: string;
  /** values.yaml as the admin reaches it from the deployment folder. */
  valuesPath: string;
  withheld: readonly string[];
  unmatchedWorkers: readonly string[];
}

/** The commands every migration runs, in order: a test holds MIGRATION.md to this list. */
export function migrationCommands(g: GuideInput): Record<string, string[]> {
  const s = g.settings;
  const ns = `-n ${K8S.namespace}`;
  const env = (key: string) => `<(printf '%s' "$(sed -n 's/^${key}=//p' .env)")`;
  const pgPod = `"$(kubectl ${ns} get pod -l app.kubernetes.io/instance=${K8S.release}-postgres -o name | head -1)"`;
  const synPod = `"$(kubectl ${ns} get pod -l app.kubernetes.io/instance=${K8S.release}-synapse-main -o jsonpath='{.items[0].metadata.name}')"`;
  const scaleSynapse = (n: number) =>
    `kubectl ${ns} scale statefulset -l app.kubernetes.io/component=matrix-server --replicas=${n}`;
  const createDb = `CREATE DATABASE ${ESS_DATABASE.name} OWNER ${ESS_DATABASE.owner} ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`;
  return {
    prepare: [
      `cd ${g.root}`,
      'mxctl backup',
      `kubectl create namespace ${K8S.namespace}`,
      `kubectl ${ns} create secret generic ${K8S.secret} --from-file=${K8S.keys.signingKey}=synapse/${signingKeyFile(s.MX_SERVER_NAME)} --from-file=${K8S.keys.macaroon}=${env('MACAROON_SECRET_KEY')} --from-file=${K8S.keys.registration}=${env('REGISTRATION_SHARED_SECRET')} --from-file=${K8S.keys.formSecret}=<(printf 'form_secret: "%s"\\n' "$(sed -n 's/^FORM_SECRET=//p' .env)")`,
      `kubectl ${ns} create secret tls ${K8S.tlsSecret} --cert=certs/live/${CERT_NAME}/fullchain.pem --key=certs/live/${CERT_NAME}/privkey.pem`,
      `helm upgrade --install --namespace ${K8S.namespace} ${K8S.release} oci://ghcr.io/element-hq/ess-helm/matrix-stack -f ${g.valuesPath} --wait`,
    ],
    database: [
      `docker compose -f compose/docker-compose.yml stop synapse nginx`,
      `docker compose -f compose/docker-compose.yml exec -T postgres pg_dump -Fc --no-owner --no-acl -U ${s.POSTGRES_USER} -d ${s.POSTGRES_DB} > synapse.dump`,
      scaleSynapse(0),
      `kubectl ${ns} exec ${pgPod} -- psql -U postgres -c 'DROP DATABASE ${ESS_DATABASE.name}' -c "${createDb}"`,
      `kubectl ${ns} exec -i ${pgPod} -- pg_restore --no-owner --role=${ESS_DATABASE.owner} -U postgres -d ${ESS_DATABASE.name} < synapse.dump`,
      scaleSynapse(1),
    ],
    media: [
      `kubectl ${ns} cp synapse/media_store/. ${synPod}:/media/media_store`,
      `kubectl ${ns} exec ${synPod} -- du -sh /media/media_store`,
    ],
    cutover: [
      `kubectl ${ns} get ingress`,
      `curl --resolve ${s.MX_MATRIX_HOST}:443:INGRESS_IP https://${s.MX_MATRIX_HOST}/_matrix/client/versions`,
      `curl --resolve ${s.MX_SERVER_NAME}:443:INGRESS_IP https://${s.MX_SERVER_NAME}/.well-known/matrix/server`,
      `dig +short ${s.MX_SERVER_NAME} ${s.MX_MATRIX_HOST} ${s.MX_ELEMENT_HOST}`,
    ],
    back: [
      scaleSynapse(0),
      `kubectl ${ns} exec ${pgPod} -- pg_dump -Fc --no-owner --no-acl -U postgres -d ${ESS_DATABASE.name} > back.dump`,
      `kubectl ${ns} cp ${synPod}:/media/media_store synapse/media_store.from-cluster`,
      `docker compose -f compose/docker-compose.yml up -d postgres`,
      `docker compose -f compose/docker-compose.yml exec -T postgres psql -U ${s.POSTGRES_USER} -d postgres -c 'DROP DATABASE ${s.POSTGRES_DB}' -c "CREATE DATABASE ${s.POSTGRES_DB} OWNER ${s.POSTGRES_USER} ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"`,
      `docker compose -f compose/docker-compose.yml exec -T postgres pg_restore --no-owner --role=${s.POSTGRES_USER} -U ${s.POSTGRES_USER} -d ${s.POSTGRES_DB} < back.dump`,
      'rsync -a synapse/media_store.from-cluster/ synapse/media_store/',
      'mxctl up && mxctl check',
    ],
  };
}

const block = (xs: readonly string[]) => ['```bash', ...xs, '```'].join('\n');

export function renderMigrationGuide(g: GuideInput): string {
  const s = g.settings;
  const c = migrationCommands(g);
  return `# Moving ${s.MX_SERVER_NAME} to Kubernetes (Element's ess-helm \`matrix-stack\` chart)

Written by \`mxctl scale export kubernetes\`. \`values.yaml\` beside this file holds the names, Synapse's
settings the chart does not own, Element Web's settings and the worker counts. It holds **no secret**:
the signing key, the macaroon key, the registration secret and the form secret are referenced from the
Kubernetes Secret \`${K8S.secret}\`, which the first commands below create by reading this deployment's
own files (bash process substitution: no secret is ever in a command line). Run everything with bash,
from the deployment folder, with kubectl pointed at the cluster and helm 3.

Nothing here was run against a cluster by mxctl: it cannot reach one. Read each step, then run it.
${g.withheld.length === 0 ? '' : `\n**Left out of values.yaml** because they hold secrets: ${g.withheld.map((k) => `\`${k}\``).join(', ')}. Put each in a Secret and name it under \`synapse.additional\` as \`configSecret\`/\`configSecretKey\`.\n`}${g.unmatchedWorkers.length === 0 ? '' : `\n**Workers with no chart type** (set their counts under \`synapse.workers\` by hand): ${g.unmatchedWorkers.join(', ')}.\n`}
## 1. Before: lower DNS TTLs, take a backup, create the Secrets, install the chart

A day ahead, lower the TTL of ${s.MX_SERVER_NAME}, ${s.MX_MATRIX_HOST} and ${s.MX_ELEMENT_HOST} to 300 s, so the
cut-over (and the way back) takes minutes.
The TLS Secret is today's certificate, so the cluster serves the same names at once; before it expires,
switch to cert-manager (\`certManager.clusterIssuer\` in values.yaml; the chart's README "Certificates").

${block(c.prepare ?? [])}

The chart starts its own Synapse on an empty database: it does not serve anyone until DNS points at it,
and its database is replaced in the next step.

## 2. Downtime: the database, dumped here and restored into the cluster's PostgreSQL

Synapse stops here (and nginx, so no client writes to it); PostgreSQL keeps running for the dump. The
chart's database is \`${ESS_DATABASE.name}\`, owned by \`${ESS_DATABASE.owner}\`: it is created again with the C
collation Synapse requires, and the dump restored into it.

${block(c.database ?? [])}

## 3. Media: to the chart's volume

The chart mounts Synapse's media at /media (\`synapse.media.storage\` in values.yaml sizes the volume:
make it larger than \`du -sh synapse/media_store\`). For S3 instead, Synapse needs a storage provider
module in its image (\`media_storage_providers\` under \`synapse.additional\`); this export does not set one.

${block(c.media ?? [])}

## 4. Cut-over: DNS to the cluster's ingress

Read the ingress address (INGRESS_IP), check that it answers for the names, then point the A/AAAA
records of ${s.MX_SERVER_NAME}, ${s.MX_MATRIX_HOST} and ${s.MX_ELEMENT_HOST} at it.

${block(c.cutover ?? [])}

Keep this deployment folder as it is (stopped) until the cluster has run well for a while: it is the way back.

## 5. The way back

Before DNS moved: nothing here changed but stopped services; \`mxctl up\` and you are back.

After DNS moved, the cluster has new messages and media: bring them back, then point DNS back here.

${block(c.back ?? [])}
`;
}
