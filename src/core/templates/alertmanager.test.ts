import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { renderAlertmanagerConfig, SECRETS_DIR } from './alertmanager.ts';
import { isMxError } from '../errors.ts';

interface Config {
  route: { routes: { matchers?: string[]; receiver?: string; routes?: { receiver: string; continue: boolean }[] }[] };
  receivers: ({ name: string } & Record<string, { send_resolved?: boolean; url?: string }[] | string>)[];
}

const email = {
  to: 'admin@example.org',
  from: 'mxctl@example.org',
  smarthost: 'smtp.example.org:587',
  username: 'mxctl',
};

test('alertmanager: no alert channel is refused with E_CONFIG_INVALID (the dead-man’s switch alone is not one)', () => {
  assert.throws(
    () => renderAlertmanagerConfig({ deadMansSwitch: true }),
    (e: unknown) => isMxError(e, 'E_CONFIG_INVALID'),
  );
});

test('alertmanager: the Watchdog goes to the dead-man’s switch only, never resolved; critical and warning to every channel', () => {
  const text = renderAlertmanagerConfig({ email, matrix: true, deadMansSwitch: true });
  const c = parseYaml(text) as Config;
  const [watchdog, critical, warning, rest] = c.route.routes;
  assert.deepEqual(watchdog?.matchers, ['alertname="Watchdog"']);
  assert.equal(watchdog?.receiver, 'deadmans-switch');
  for (const r of [critical, warning, rest])
    assert.deepEqual(
      r?.routes?.map((x) => x.receiver),
      ['email', 'matrix'],
    );
  const dms = c.receivers.find((r) => r.name === 'deadmans-switch');
  assert.deepEqual(dms?.['webhook_configs'], [
    { url_file: `${SECRETS_DIR}/deadmans-switch-url`, send_resolved: false },
  ]);
  assert.doesNotMatch(text, /&a|\*a/, 'no YAML aliases: the file is read by people');
});

test('alertmanager: without a dead-man’s switch the Watchdog is discarded, not sent to every channel', () => {
  const c = parseYaml(renderAlertmanagerConfig({ webhook: true })) as Config;
  assert.equal(c.route.routes[0]?.receiver, 'discard');
  assert.deepEqual(c.receivers.at(-1), { name: 'discard' });
});

test('alertmanager: ntfy gets ?template=alertmanager; secrets only as *_file paths', () => {
  const text = renderAlertmanagerConfig({ ntfy: { topicUrl: 'https://ntfy.example.org/alerts', token: true }, email });
  assert.match(text, /url: https:\/\/ntfy\.example\.org\/alerts\?template=alertmanager/);
  assert.match(text, new RegExp(`credentials_file: ${SECRETS_DIR}/ntfy-token`));
  assert.match(text, new RegExp(`auth_password_file: ${SECRETS_DIR}/smtp-password`));
  assert.doesNotMatch(text, /auth_password:|credentials:|bot_token:/);
});
