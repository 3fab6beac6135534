// docs/RUNBOOK.md of a deployment: the seed ops runbook rewritten around mxctl. The repo's own
// docs/RUNBOOK.md is this text rendered for example.org (a unit test keeps the two equal).
// Sections whose mxctl command has not landed yet say so and keep the manual steps.
import type { Settings } from '../settings.ts';
import { upkeepSections } from './runbook-upkeep.ts';

export function renderRunbook(s: Settings): string {
  const d = s.MX_SERVER_NAME;
  const m = s.MX_MATRIX_HOST;
  const c = s.MX_ELEMENT_HOST;
  return `# Ops Runbook — ${d}

This deployment is operated with \`mxctl\`. Every command takes \`--dir DIR\` (or \`MXCTL_DIR\`,
or the current directory) to find the deployment, and every read command takes \`--json\`.
Names: server \`${d}\`, Synapse \`https://${m}\`, Element \`https://${c}\`.

## Table of Contents
1. [Stack Management](#stack-management)
2. [Backup & Restore](#backup--restore)
3. [Upgrades](#upgrades)
4. [User & Room Administration](#user--room-administration)
5. [Incident Response](#incident-response)
6. [Monitoring & Alerting](#monitoring--alerting)
7. [Scaling Triggers](#scaling-triggers)
8. [Certificate Management](#certificate-management)

---

## Stack Management

### Start / Stop / Restart
\`\`\`bash
mxctl up                  # start (or update) all services; waits until every one is healthy
mxctl down                # stop all services (data stays: synapse/, certs/, the postgres volume)
mxctl restart synapse     # restart one service (postgres, synapse, element, nginx, certbot)
mxctl status              # each service's state and health, Synapse's version, HTTPS via nginx
\`\`\`
\`mxctl up\` checks Docker, the ports it needs (80, 443, ${s.SYNAPSE_LOCAL_ADDRESS}:${s.SYNAPSE_LOCAL_PORT}) and the
settings in \`.env\` before it starts anything. On first start it serves a self-signed placeholder
certificate, obtains the real one with certbot (webroot) and reloads nginx.

### View Logs
\`\`\`bash
mxctl logs -f synapse            # follow Synapse's log
mxctl logs -f nginx              # follow the proxy's log
mxctl logs --tail 100 postgres   # last 100 lines from Postgres
\`\`\`
Plain \`docker compose\` still works in \`compose/\` (its \`.env\` links to the deployment's).

### First admin
\`\`\`bash
mxctl admin init [--user admin]
\`\`\`
Creates the admin user with the registration shared secret, logs in, and keeps mxctl's admin
token in \`state/admin.json\` (mode 0600). The password is printed once; store it safely.

---

## Backup & Restore

### Automated Backup
Add to cron (daily at 3 AM):
\`\`\`bash
0 3 * * * /path/to/deployment/scripts/backup.sh >> /var/log/matrix-backup.log 2>&1
\`\`\`
\`scripts/backup.sh\` and \`scripts/restore.sh\` call \`mxctl backup\` and \`mxctl restore\`
(set \`MXCTL=/path/to/mxctl\` in the cron line if mxctl is not on cron's PATH).
A \`kill\`, \`timeout\`, Ctrl-C or \`systemctl stop\` (SIGTERM, SIGINT, SIGHUP) stops a running
backup like a failure: its partial archive is removed, nothing is listed, the exit status is 143,
130 or 129; the next run starts afresh.

### What a backup holds
\`mxctl backup\` writes ONE encrypted archive per run into \`backups/\` (mode 0700; \`BACKUP_DIR\`
in \`.env\` moves it), named \`matrix-backup-YYYY-MM-DD_HHMMSS.tar.gpg\` (UTC), then its manifest
\`matrix-backup-YYYY-MM-DD_HHMMSS.manifest.json\`. A backup exists only once its manifest does.
- The archive is a plain tar, encrypted by gpg (OpenPGP, AES-256, key from \`BACKUP_PASSPHRASE\`
  via SHA-512 S2K). It is not gzipped: the dump is compressed already and media mostly is too.
- Inside: \`RESTORE.txt\`; \`database/synapse.pgdump.NNNNN\` (\`pg_dump -Fc --compress=zstd\` without the
  \`e2e_one_time_keys_json\` data, in 16 MiB pieces so it streams: \`cat\` them back together);
  \`deployment/\` (this folder: \`.env\`, \`synapse/\` with homeserver.yaml, log config, signing key and
  \`media_store/local_content\` + \`local_thumbnails\` (not the remote caches), \`nginx/\`, \`element/\`,
  \`compose/\`, \`certs/\`, \`state/\`); \`manifest.json\` last (every file's size and sha256, the dump's
  sha256, server name, Synapse version, schema version, row counts of key tables).
- Nothing is staged on disk: the dump and the files stream through tar and gpg into the archive.
- Keep a copy of \`BACKUP_PASSPHRASE\` off this server: without it no backup can be restored.

### Commands
\`\`\`bash
mxctl backup [--local-only] [--json]   # one archive + manifest; non-zero exit on any failure
mxctl backup list [--json]             # id, age, size, state, when last verified, offsite or not
mxctl backup verify [ID|FILE|latest]   # decrypt to nowhere: every sha256, pg_restore -f /dev/null
mxctl backup verify ID|latest --offsite  # the same for the offsite copy (downloaded to a temp folder, removed after)
mxctl backup prune [--dry-run]         # keep 7 daily, 4 weekly, 6 monthly, here and offsite; never the newest verified
mxctl backup prune --local-only        # this machine only (e.g. while the offsite target is down)
mxctl restore ID|FILE|latest [--from-offsite] [--yes] [--no-safety-backup] [--checks full|read-only]
mxctl --dir NEW restore FILE|latest [--from-offsite --offsite-config F] [--passphrase-file F] [--set KEY=VALUE]  # a new machine: see Disaster recovery
\`\`\`
\`mxctl restore\` reads the archive once: it decrypts it, stages config and media in a folder
inside the deployment, and streams the database dump into \`pg_restore\` filling a side database
(\`${s.POSTGRES_DB}_mxctl_restore\`, UTF8, C), while it checks every checksum, the server name, the
signing key and the database schema against the pinned Synapse. The live server keeps running
and is not touched: if anything is wrong, or the run is killed, the side database is dropped and
nothing has changed. Then it takes a safety backup of the current state (\`...-pre-restore\`),
or, when the database has no Synapse schema (a fresh server, or the database volume was lost:
nothing in it to save), says so and keeps every file the restore replaces (config, media) in
\`backups/pre-restore-files-DATE/\` (0700) instead; no \`--no-safety-backup\` is needed. It then
stops Synapse, swaps the restored database in (one transaction of renames), empties
\`e2e_one_time_keys_json\`, puts back config, signing key and media, starts the stack and runs
the post-restore checklist: admin login; rooms and messages against the manifest; a media file
downloaded with the same sha256; a test message in a scratch room; no ERROR in Synapse's log.
While both databases exist the disk holds two copies of the database, and the staged media sit
beside the current ones until the swap: keep that much free. Media files the server still holds
unchanged (same bytes, mode and owner: a restore onto the same server) are staged as hard links,
not copies, so they cost no space. The part of the dump \`pg_restore\`
has not loaded yet waits in the staging folder (so the media behind it need not wait), at most
the dump's size and usually far less; a full disk stops the restore before any change.
A signal (\`kill\`, \`timeout\`, Ctrl-C, \`systemctl stop\`) stops a restore before the swap
with nothing changed (exit 143, 130 or 129); from the swap on it is finished, checklist included.
A restore killed (kill -9) after the swap leaves the previous database as \`${s.POSTGRES_DB}_mxctl_replaced\`;
the next restore drops it. After a \`--no-safety-backup\` run it is the only copy of the previous
state: dump it (\`pg_dump -Fc -d ${s.POSTGRES_DB}_mxctl_replaced\`) before restoring again if you need it.
Each item prints pass/FAIL; any FAIL exits non-zero. A failed restore names the safety backup to
go back to (\`mxctl restore <id>-pre-restore --no-safety-backup --yes\`). Restores keep this
machine's placement settings (project name, local address, image pins, \`BACKUP_PASSPHRASE\`) and
take the server's identity and secrets (names, database password, Synapse secrets) from the backup.

### Offsite copy (S3-compatible, or any rclone remote)
One offsite target at a time: \`S3_BUCKET\` or \`RCLONE_REMOTE\`, not both (\`.env\` is refused).

**S3.** Set \`S3_BUCKET\` (and \`S3_ENDPOINT\`, \`S3_REGION\`, \`S3_PREFIX\`, \`S3_ACCESS_KEY_ID\`,
\`S3_SECRET_ACCESS_KEY\`) in \`.env\`. Then every \`mxctl backup\` (without \`--local-only\`) uploads each
local backup not yet in the bucket: the archive in 64 MiB parts, each part's MD5 checked against
the server's answer and the object's size and ETag checked after completion, then the manifest
last. Transient errors (throttling, 5xx, network) are retried; others fail at once. If the upload
fails the local backup is kept, the command exits 14, and the next run uploads what is missing.
\`mxctl backup list\` shows which backups are offsite. \`mxctl restore <id>|latest --from-offsite\`
downloads the archive and its manifest into \`backups/\` first (on a new server, after \`mxctl init\`
with the same domain and the offsite settings and \`BACKUP_PASSPHRASE\` in \`.env\`).

**rclone** (sftp, b2, webdav, Google Drive ... anything rclone 1.60 speaks; \`apt install rclone\`).
Define the remote with \`rclone config\` in an rclone.conf that only root can read, then set
\`RCLONE_REMOTE=name:path\` and \`RCLONE_CONFIG=rclone.conf\` (relative to the deployment; empty:
rclone's default file, which mxctl does not check) in \`.env\`. mxctl refuses an \`RCLONE_CONFIG\`
that is missing or readable by group or others, and remotes written inline (\`:sftp,host=...:\`): credentials stay in the
config file, never in argv. The archive goes up with \`rclone copyto\` (rclone's own multipart or
chunked upload for the backend, and its own post-copy checksum check); then mxctl reads the
object back (\`rclone lsjson --stat --hash\`) and compares its size and every hash the remote
reports (md5, sha1, sha256) with the local archive (a remote without hashes: size only); the
manifest goes last. rclone retries what it classes as temporary (\`--retries 3
--low-level-retries 5\`); its exit code (5 temporary, 7 fatal, 1 uncategorised ...) is put
into words in the error. A failed upload keeps the local backup and exits 14, as with S3.
Test the remote by hand: \`rclone --config rclone.conf lsjson name:path\`.

**Prune offsite.** \`mxctl backup prune\` applies the same policy to the offsite copies: it lists
here and offsite **before deleting anything**; if the offsite listing fails nothing is deleted
anywhere (exit 14; \`--local-only\` prunes this machine only). An empty offsite listing prunes
nothing offsite. The newest backup and the newest verified one (as \`backup verify\` recorded it
here) are always kept; a backup's manifest is deleted before its archive; an offsite manifest
whose archive is missing or of the wrong size, and an archive without a manifest (an upload cut
short), are left alone.

### Restore without mxctl
Everything needed is stock software: gpg, tar, jq, sha256sum, docker compose. Run as root, in the
deployment folder (on a new server: an empty folder; the archive holds the whole deployment):
\`\`\`bash
ARCHIVE=backups/matrix-backup-YYYY-MM-DD_HHMMSS.tar.gpg   # the backup to restore
umask 077 && mkdir restore-tmp
# 1. Decrypt to a file. Type BACKUP_PASSPHRASE (not echoed). Only exit status 0 means intact.
read -rs PASS && printf '%s' "$PASS" | gpg --batch --pinentry-mode loopback --passphrase-fd 0 \\
  --decrypt --output restore-tmp/backup.tar "$ARCHIVE" && unset PASS
# 2. Unpack, rebuild the dump from its pieces, check every sha256 against the manifest.
tar -xpf restore-tmp/backup.tar -C restore-tmp
cat restore-tmp/database/synapse.pgdump.* > restore-tmp/synapse.pgdump
jq -r '.files[] | select(.type == "file") | "\\(.sha256)  deployment/\\(.path)"' restore-tmp/manifest.json \\
  | (cd restore-tmp && sha256sum --quiet --strict -c -)
echo "$(jq -r .database.sha256 restore-tmp/manifest.json)  restore-tmp/synapse.pgdump" | sha256sum --quiet --strict -c -
# 3. Stop Synapse, put the files back (config, signing key, media, .env, compose file).
(cd compose 2>/dev/null && docker compose stop synapse || true)
cp -a restore-tmp/deployment/. .
# 4. A new, empty database (UTF8, C collation), the dump into it, one-time keys emptied.
cd compose
docker compose up -d --wait postgres
docker compose exec -T postgres dropdb -U ${s.POSTGRES_USER} --if-exists --force ${s.POSTGRES_DB}
docker compose exec -T postgres createdb -U ${s.POSTGRES_USER} --encoding=UTF8 --locale=C --template=template0 --owner=${s.POSTGRES_USER} ${s.POSTGRES_DB}
docker compose exec -T postgres pg_restore -U ${s.POSTGRES_USER} -d ${s.POSTGRES_DB} --no-owner --role=${s.POSTGRES_USER} --exit-on-error < ../restore-tmp/synapse.pgdump
docker compose exec -T postgres psql -U ${s.POSTGRES_USER} -d ${s.POSTGRES_DB} -c 'TRUNCATE e2e_one_time_keys_json;'
# 5. Start everything, then remove the plaintext.
docker compose up -d --wait
cd .. && rm -rf restore-tmp
\`\`\`
If the database volume was kept from another installation whose \`.env\` had a different
\`POSTGRES_PASSWORD\`, set it to the restored one before step 5:
\`docker compose exec -T postgres psql -U ${s.POSTGRES_USER} -d postgres -c "ALTER ROLE ${s.POSTGRES_USER} PASSWORD '...'"\`.

### Restore from the restic repository without mxctl
With \`BACKUP_MODE=repository\` a backup is three restic snapshots tagged \`mxctl-backup=ID\`:
\`mxctl-part=database\` (\`/synapse.sql\`, plain SQL), \`mxctl-part=files\` (the deployment folder)
and \`mxctl-part=manifest\` (\`/manifest.json\`, written last: a backup without it is a run cut
short). Stock restic (≥ 0.14), jq, sha256sum and docker compose restore it. As root, in the
deployment folder; \`RESTIC_REPOSITORY\` as in \`.env\` (empty there: \`backups/restic\`; for
\`s3:\` also export \`AWS_ACCESS_KEY_ID\`/\`AWS_SECRET_ACCESS_KEY\`, for \`rclone:\` \`RCLONE_CONFIG\`):
\`\`\`bash
export RESTIC_REPOSITORY=backups/restic
umask 077 && mkdir restore-tmp
# 1. The password (BACKUP_PASSPHRASE, not echoed) into a private file restic reads.
read -rs PASS && printf '%s' "$PASS" > restore-tmp/password && unset PASS
export RESTIC_PASSWORD_FILE=restore-tmp/password
# 2. The newest complete backup: the newest manifest snapshot names it.
ID=$(restic snapshots --no-lock --json --tag mxctl-part=manifest | jq -r 'sort_by(.time) | last | .tags[] | select(startswith("mxctl-backup="))')
# 3. Its files, dump and manifest (restic checks every blob it reads), then every sha256.
restic restore latest --tag "$ID,mxctl-part=files" --target restore-tmp/deployment
restic dump --tag "$ID,mxctl-part=database" latest /synapse.sql > restore-tmp/synapse.sql
restic dump --tag "$ID,mxctl-part=manifest" latest /manifest.json > restore-tmp/manifest.json
jq -r '.files[] | select(.type == "file") | "\\(.sha256)  deployment/\\(.path)"' restore-tmp/manifest.json \\
  | (cd restore-tmp && sha256sum --quiet --strict -c -)
echo "$(jq -r .database.sha256 restore-tmp/manifest.json)  restore-tmp/synapse.sql" | sha256sum --quiet --strict -c -
# 4. Stop Synapse, put the files back (config, signing key, media, .env, compose file).
(cd compose 2>/dev/null && docker compose stop synapse || true)
cp -a restore-tmp/deployment/. .
# 5. A new, empty database (UTF8, C collation), the SQL into it, one-time keys emptied.
cd compose
docker compose up -d --wait postgres
docker compose exec -T postgres dropdb -U ${s.POSTGRES_USER} --if-exists --force ${s.POSTGRES_DB}
docker compose exec -T postgres createdb -U ${s.POSTGRES_USER} --encoding=UTF8 --locale=C --template=template0 --owner=${s.POSTGRES_USER} ${s.POSTGRES_DB}
docker compose exec -T postgres psql -X -q -U ${s.POSTGRES_USER} -d ${s.POSTGRES_DB} -v ON_ERROR_STOP=1 --single-transaction -o /dev/null < ../restore-tmp/synapse.sql
docker compose exec -T postgres psql -U ${s.POSTGRES_USER} -d ${s.POSTGRES_DB} -c 'TRUNCATE e2e_one_time_keys_json;'
# 6. Start everything, then remove the plaintext and the password file.
docker compose up -d --wait
cd .. && rm -rf restore-tmp
\`\`\`
An older backup: pick its id from \`restic snapshots --tag mxctl-part=manifest\` and set
\`ID=mxctl-backup=matrix-backup-YYYY-MM-DD_HHMMSS\` instead of step 2.

### Restore Test (monthly)
\`mxctl restore-test\` (or \`mxctl restore-test ID\`) restores the newest backup into a throwaway
stack beside production — its own compose project \`<project>-drill\` (postgres and Synapse only),
its own database volume and folder (\`drills/\`), Synapse on its own loopback address
(\`--address\`, default 127.0.0.254), federation and pushers off, no certificate request — and
checks it: Synapse answers, the restored admin token passes whoami and \`/sync\`, the newest
message reads back, a media file's sha256 matches the manifest, the published signing key is the
backup's, and the post-restore checklist. Then it removes the drill stack (a drill killed
part-way is cleaned up by the next one) and writes the line below and \`state/restore-tests.json\`.
RTO: start to every check passed; RPO: the backup's age. A failed drill exits 22, names the
check, and keeps the drill's logs in \`backups/restore-tests/\`. Production is never touched.
\`mxctl restore-test --from-offsite\` drills the offsite copy instead (the one a lost server is
rebuilt from); the download is removed after. A drill needs disk room for a second copy of the
media and the database while it runs.
Schedule it monthly: \`MONITOR_RESTORE_TEST=monthly\` in \`.env\` (the monitor runs it at
\`MONITOR_RESTORE_TEST_AT\`, 04:00 by default; a failed drill is an alert), or from cron:
\`0 4 1 * *  root  mxctl --dir /srv/matrix restore-test >> /var/log/mxctl-restore-test.log 2>&1\`

Last restore test: \`__NOT_YET_PERFORMED__\`

### Disaster recovery (the server is gone)
Keep these **offsite, apart from the server**: the backups (the offsite copy does that), the
backup passphrase (\`BACKUP_PASSPHRASE\` in \`.env\`: without it no archive can be read), and the
offsite credentials (the \`S3_*\` settings, or \`RCLONE_REMOTE\` and its \`rclone.conf\`).
Nothing else is needed: every archive holds the whole deployment (\`.env\` with the server name,
secrets and image pins, the signing key, config, certificates, media, the database).
On the new machine (Docker, mxctl, DNS pointed at it):
\`\`\`bash
install -m 600 /dev/null /root/offsite.env && editor /root/offsite.env   # S3_ENDPOINT=... S3_BUCKET=... S3_ACCESS_KEY_ID=... S3_SECRET_ACCESS_KEY=...
install -m 600 /dev/null /root/passphrase && editor /root/passphrase     # or leave out --passphrase-file: it is asked
mxctl --dir /srv/matrix restore latest --from-offsite --offsite-config /root/offsite.env --passphrase-file /root/passphrase
mxctl --dir /srv/matrix restore /media/usb/matrix-backup-DATE.tar.gpg   # or from an archive file
\`\`\`
Into a folder that is absent or empty, \`restore\` recreates the deployment from the archive: it
reads it once (every sha256 against its manifest), writes its files and the backup's own \`.env\`,
then restores the database into a new volume exactly as above (no safety backup: there is nothing
to save; a database volume that outlived the folder is saved first all the same), starts the
stack and runs the post-restore checklist. Users log in with their old passwords; the signing key
is the old one, so other servers keep trusting it. Settings of the machine may change on the way:
\`--set KEY=VALUE\` (repeatable) for \`SYNAPSE_LOCAL_ADDRESS\`, \`SYNAPSE_LOCAL_PORT\`,
\`COMPOSE_PROJECT_NAME\`, \`ACME_SERVER\`, \`ACME_EMAIL\`, \`MXCTL_RESOLVE\`, \`MXCTL_CA_FILE\`,
\`BACKUP_DIR\` and the offsite settings; the server name, secrets and image pins cannot. The offsite
settings may come from the environment instead of \`--offsite-config\`. A wrong passphrase, a
damaged archive or a refused setting stops it with the folder left as it was found; the ports
the stack needs are checked before the database is loaded. Then: \`mxctl doctor\`, the daily
backup in cron again, and \`mxctl restore-test\` once to prove the new machine's backups.

---

## Upgrades

Images are pinned in \`.env\` (\`SYNAPSE_IMAGE\`, \`POSTGRES_IMAGE\`, ...). An upgrade is one command
that either ends healthy or puts the server back as it was.
1. \`mxctl upgrade --check\`: what is newer (below).
2. \`mxctl upgrade synapse --to TAG --plan\` (\`--json\` for scripts): changes nothing, and says
   - the target pin with the digest the registry serves for it (\`repo:tag@sha256:…\`);
   - the schema window: the database's \`schema_version\`/\`schema_compat_version\` against the
     target image's \`SCHEMA_VERSION\`/\`SCHEMA_COMPAT_VERSION\` (read by running the image). A
     target that cannot run the database (a downgrade past the window) is refused. When the target
     raises the compat above the current image's schema, **rolling back means restoring the
     pre-upgrade backup**, and whatever was written after the upgrade is lost: the plan says so;
   - Synapse's upgrade notes crossed (current, target]: they block until read (\`--accept-notes\`,
     or \`MXCTL_VALIDATED_VERSION=TAG\` in \`.env\`). mxctl ships only the seed of that table: read
     Synapse's docs/upgrade.md for every version crossed all the same;
   - background updates still queued (\`SELECT count(*) FROM background_updates\`): wait until 0;
   - disk room for the pre-upgrade backup;
   - for PostgreSQL, whether the target is another major version (\`15\` → \`18\`): that is a dump
     and load with downtime (below), not a recreate, and only when named with \`--to\` (without
     it PostgreSQL stays within its major). Refused: a lower major, databases in the cluster
     besides Synapse's (they would not be carried), too little disk beside the volume for a copy,
     and a \`compose/docker-compose.yml\` from before major upgrades (re-render it with \`mxctl init\`).
   Exit 0: it may go ahead; exit 18: refused (the reasons are printed), nothing changed.
3. \`mxctl upgrade synapse --to TAG\` (without \`--to\`: the newest stable tag; without a service:
   every service with something newer) does, under its own lock (a second upgrade or rollback is
   refused, exit 7):
   - the plan again; a refused plan changes nothing (exit 18);
   - asks (\`--yes\` in scripts);
   - a pre-upgrade backup (\`…-pre-upgrade\`), verified by reading it back: the rollback window;
   - per service, each step written to \`state/upgrades.json\` before the next begins: pull the
     target by digest, keep the running image under the tag \`mxctl-rollback/SERVICE:ID\` (a
     rollback needs no registry), write \`repo:tag@sha256:…\` into \`.env\`, recreate the service,
     and the **health gate**: Synapse answers and reports the target version, the database
     answers, mxctl's admin signs in, syncs and reaches the media repository, the client API
     answers through nginx over HTTPS (Element: its page and \`config.json\`; nginx: HTTPS;
     certbot: running). \`--gate-timeout S\` is how long a recreated Synapse may take (180 s);
   - a gate that fails **rolls back by itself**: the previous pin and image, the database
     restored from the pre-upgrade backup only when the new version migrated it past what the old
     one runs (decided from the live database). Exit 17; the run stops at that service.

   The report gives each phase's seconds and how long the client API did not answer while Synapse
   was recreated. Exit 21 means the rollback itself failed: read \`mxctl upgrade history\` and
   \`mxctl logs synapse\`, run \`mxctl rollback\` to try again, or \`mxctl restore\` the named backup.
4. \`mxctl rollback\` takes back the newest healthy upgrade (a problem the gate could not see), or
   \`--to ID\` from \`mxctl upgrade history\`, only when that service still runs what the upgrade
   installed (roll a later one back first). If the database was migrated past the old version,
   the pre-upgrade backup is restored and the report counts the events and users written since,
   which are gone. A restore keeps \`state/upgrades.json\`: the history outlives the rollback.
5. A run that was killed (power, \`kill -9\`) is finished by the next \`mxctl upgrade\` or
   \`mxctl rollback\` before anything else: before the pin was written, it is closed as abandoned;
   after, the service is recreated and gated, and rolled back if the gate fails. A stop signal
   (\`kill\`, Ctrl-C, \`systemctl stop\`) before the pin abandons the upgrade; after it, the run
   is not cut short: the service is rolled back to its previous pin and the exit is 17.
6. \`mxctl upgrade history [--json]\`: every upgrade, its phases with times, and why it failed.
7. The rollback images (\`docker images mxctl-rollback/*\`) are tags of images already on disk;
   remove old ones with \`docker image rm\` once you no longer want to go back that far.

### PostgreSQL major upgrade
A new major (\`15\` → \`18\`) cannot open the old data directory: \`mxctl upgrade postgres --to 18\`
dumps the database and loads it into the new image on a **new volume**, then switches to it.
**Synapse is down from the dump until the new cluster passes the gate** (the report's
\`clientApiUnavailableSeconds\`; about a minute for a small database, longer with its size):
plan it for a quiet hour. In order, each phase in \`state/upgrades.json\` before the next:
1. the plan, the question, the verified pre-upgrade backup, the pull (no downtime yet);
2. \`loading\`: Synapse stopped; the new image started on its own, without network, on a new
   volume \`PROJECT_pgMAJOR-TIMESTAMP\` (initdb as the compose file does it: UTF8, C collation and
   ctype, POSTGRES_USER with POSTGRES_PASSWORD); the roles copied with their password hashes
   (\`pg_dumpall --roles-only\`), the database's owner and locale checked, every row streamed
   (\`pg_dump -Fc | pg_restore --exit-on-error\`), ANALYZE, and **every table's row count compared**
   old against new;
3. \`loaded\`, then \`pinned\`: \`POSTGRES_IMAGE\`, \`POSTGRES_VOLUME\` and \`POSTGRES_DATA_MOUNT\`
   written to \`.env\` in one atomic write (images up to 17 keep their data in
   \`/var/lib/postgresql/data\`, 18 and later under \`/var/lib/postgresql\`);
4. postgres and Synapse recreated, and the gate: PostgreSQL reports the new major, the database
   answers, then Synapse's whole gate.

The old volume is **only read**, never written or removed. A failure before the switch, or a run
killed there (found by the next \`mxctl upgrade\` or \`mxctl rollback\`), goes back to it: the
scratch server and the half-loaded volume removed, Synapse started on the old cluster, \`.env\`
as it was. A gate that fails after the switch puts the old pin, volume and mount back (the new
volume is kept and listed: Synapse may have written to it).

After a healthy upgrade the old cluster stays in its volume: \`mxctl upgrade volumes\` lists it,
\`mxctl upgrade remove-old-volume NAME --yes\` deletes it for good (never the one in use). Keep
it until you trust the new major. \`mxctl rollback\` does not undo a major upgrade: everything
written since lives only in the new cluster. To go back by hand anyway (losing that): \`mxctl
down\`, set the three settings in \`.env\` to the old values (\`mxctl upgrade history --json\`
has them under \`postgres\`), \`mxctl up\`.

### Checking for updates
\`mxctl upgrade --check\` (add \`--json\` for scripts, or name services: \`mxctl upgrade --check synapse\`)
shows, for each service, the image pinned in \`.env\`, the digest of the image Docker holds for
it, and the newest stable tag its registry offers above the pin (same shape: \`v1.160.0\` moves
along \`v1.x.y\`, \`postgres:18\` to \`19\`; release candidates only with \`--pre\`), with that
tag's digest, or \`tag-moved\` when the pinned tag now names a rebuilt image. It asks the registry
directly (Docker Hub's anonymous token, no pull) and changes nothing. Exit 0 whether or not
updates exist; exit 15 when a registry cannot be reached or does not know the image.

---

## User & Room Administration

The admin API is **not** exposed through nginx (\`https://${m}/_synapse/admin\` answers 403).
It is reached on \`http://${s.SYNAPSE_LOCAL_ADDRESS}:${s.SYNAPSE_LOCAL_PORT}\` on this host only, with the token
\`mxctl admin init\` stored. Registration needs a token (\`registration_requires_token\`).

Every command below reads with \`--json\` too; destructive ones ask first (\`--yes\` skips the
question, \`--dry-run\` prints what would change and changes nothing). The token never appears in
argv, logs or errors; a refused or expired token says to run \`mxctl admin init\`. With Matrix
Authentication Service enabled, the commands Synapse hands over to MAS (registration tokens,
password reset, the admin flag) say so (exit 13).

### Registration tokens (invites)
\`\`\`bash
mxctl tokens create                      # single use, valid 7 days: prints the token to hand out
mxctl tokens create --uses 10 --expires 30d --token team-onboarding
mxctl tokens list --valid                # or --invalid; tokens show T for one
mxctl tokens update T --uses unlimited --expires never
mxctl tokens delete T
\`\`\`

### Users
\`\`\`bash
mxctl users list --name alice            # every page; --deactivated, --admins, --limit N
mxctl users show @alice:${s.MX_SERVER_NAME}
mxctl users whois @alice:${s.MX_SERVER_NAME}  # sessions: IP, user agent, last seen
mxctl users create bob --displayname Bob # random password shown once (or --password-file F)
mxctl users modify bob --admin           # --no-admin, --displayname N, --lock / --unlock
mxctl users reset-password bob           # logs out bob's devices unless --keep-devices
mxctl users deactivate @bob:${s.MX_SERVER_NAME}  # --erase for GDPR erasure; cannot be undone
mxctl users shadow-ban @spammer:${s.MX_SERVER_NAME}  # or suspend (read-only); un… to lift
\`\`\`

### Rooms and history
\`\`\`bash
mxctl rooms list --order-by joined_members --limit 20   # --search TEXT, --reverse; all pages by default
mxctl rooms show '#general:${s.MX_SERVER_NAME}'          # also: rooms members ROOM, rooms state ROOM --type T
mxctl rooms delete ROOM --block          # kick everyone, purge, block re-joins (polled to the end)
mxctl purge-history ROOM --older-than 90d   # or --before 2026-01-01; polled to the end
mxctl purge-history --all --older-than 365d --yes   # retention sweep over every room (cron it)
\`\`\`
\`purge-history\` keeps the room's state and its latest event. \`--keep-local\` keeps this server's
users' events in the database, but Synapse hides them from the timeline all the same.

### Media, reports, notices
\`\`\`bash
mxctl media list @alice:${s.MX_SERVER_NAME}        # uploads with their mxc:// URIs
mxctl media quarantine mxc://${s.MX_SERVER_NAME}/ID  # or a @user: everything they uploaded
mxctl media delete mxc://${s.MX_SERVER_NAME}/ID
mxctl media purge-remote --older-than 30d          # cached copies of other servers' media
mxctl reports list                                  # then: reports show ID, reports resolve ID
mxctl notice send @alice:${s.MX_SERVER_NAME} 'Maintenance tonight at 22:00 UTC'  # in their "Server Notices" room
mxctl background-updates                            # database migrations still running?
\`\`\`

---

## Incident Response

**First:** \`mxctl doctor\` runs every check below in a few seconds — services and crash
loops, homeserver.yaml syntax (and Synapse's own verdict), ports and who holds them, Postgres
(\`pg_isready\`, collation, connection slots vs \`cp_max\`), disk where Postgres and media live
(warn 80 %, fail 90 %), certificates against their own lifetime, Synapse memory, federation,
an upgrade that stopped half-way or whose rollback failed (a gate's rollback warns for a week),
recent ERROR/CRITICAL lines in Synapse's log — and prints the fix for each problem. A log line
fails doctor only while it is recent: logged since Synapse last started, or within the last 15
minutes (\`--log-window\`), whichever began later. Once an incident is over (the cause fixed, or
Synapse restarted) its lines are reported as history, with the time of the newest one. \`mxctl doctor --bundle FILE\` writes a
support bundle with every secret redacted. The manual steps:

### Synapse Won't Start
1. \`mxctl status\` and \`mxctl logs synapse\`.
2. Common causes:
   - Database connection failed → \`mxctl status\` shows postgres unhealthy; \`mxctl logs postgres\`.
   - Config syntax error in \`synapse/homeserver.yaml\` → the error is in \`mxctl logs synapse\`.
   - Port conflict → \`mxctl up\` names the port and the process holding it.

### Database Issues
1. \`mxctl status\` (postgres health is \`pg_isready\`).
2. Disk space: \`df -h /var/lib/docker\` (Postgres data lives in a Docker volume).
3. Connection pool exhaustion → \`mxctl restart synapse\`; check \`cp_max\` in homeserver.yaml.

### Certificate Expired
\`mxctl certs status\` says what each name serves and why it is wrong; \`mxctl certs renew\`
fixes it (see [Certificate Management](#certificate-management)).

### High Memory Usage (Synapse)
1. \`docker stats\` on the synapse container.
2. Set \`caches.global_factor\` (default 0.5) in homeserver.yaml, \`mxctl restart synapse\`.
3. Long-term: evaluate Synapse workers.

### Suspected Abuse / Spam
1. Identify the user from reports (\`mxctl reports list\`) or logs; \`mxctl users whois USER\`.
2. Quarantine them: power level -1 in every room they are in (each room's full
   \`m.room.power_levels\` read, one entry changed, written back) and their media quarantined:
   \`\`\`bash
   mxctl abuse quarantine @spammer:${s.MX_SERVER_NAME} --dry-run   # what would change, per room
   mxctl abuse quarantine @spammer:${s.MX_SERVER_NAME} --take-over --deactivate
   \`\`\`
   \`--take-over\` makes mxctl's admin room admin (Synapse's make_room_admin) where it lacks the
   power; without it such rooms are listed as skipped (exit 1).
3. If the abuse comes from another server, deny it in the server ACL of every local room
   (\`"allow": ["*"]\` is kept; our own name is refused):
   \`\`\`bash
   mxctl federation block spam.example --take-over     # globs too: '*.spam.example'
   mxctl federation unblock spam.example
   \`\`\`
4. The blunt alternative: an allowlist. Synapse then federates **only** with the listed servers
   (and this one) and refuses every other, in and out. It lives in \`.env\`
   (\`MX_FEDERATION_ALLOWLIST\`, so \`mxctl init\` keeps it) and in homeserver.yaml
   (\`federation_domain_whitelist\`); mxctl edits both, shows the diff, asks, then offers the
   restart Synapse needs (\`--restart\` / \`--no-restart\`):
   \`\`\`bash
   mxctl federation allowlist                                  # who we federate with (--json)
   mxctl federation allowlist add partner.example other.example --dry-run   # the diff only
   mxctl federation allowlist add partner.example other.example --restart
   mxctl federation allowlist remove other.example --restart
   mxctl federation allowlist clear --restart                  # federate with everyone again
   \`\`\`
   Servers not on the list cannot reach this one, and rooms they are in may miss their messages.
   A key notary (\`trusted_key_servers\`, matrix.org) is only asked if it is listed; Synapse then
   fetches listed servers' keys from them directly.

---

${upkeepSections(s)}`;
}
