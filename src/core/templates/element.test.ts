// Element Web's production config.json and the nginx server block in front of it, held to what
// Element Web's docs say: its documented options, and the headers its install docs ask for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderElementConfig, ELEMENT_CONFIG_KEYS, ELEMENT_UI_FEATURES } from './element.ts';
import { renderNginx } from './nginx.ts';
import { renderHomeserver } from './homeserver.ts';
import { settingsFromChoices } from '../init-options.ts';
import { SECRET_KEYS } from '../settings.ts';

const secrets = Object.fromEntries(SECRET_KEYS.map((k) => [k, `${k.toLowerCase()}-${'x'.repeat(43)}`])) as Record<
  (typeof SECRET_KEYS)[number],
  string
>;
const s = settingsFromChoices({ domain: 'example.org' }, secrets);

interface ElementConfig {
  default_server_config: Record<string, { base_url?: string; server_name?: string }>;
  brand: string;
  disable_guests: boolean;
  disable_custom_urls: boolean;
  disable_3pid_login: boolean;
  room_directory: { servers: string[] };
  setting_defaults: Record<string, boolean>;
}
const config = JSON.parse(renderElementConfig(s)) as ElementConfig;

/** Element Web's documented top-level options (docs/config.md), the ones a deployment like ours may set. */
const DOCUMENTED = new Set([
  'default_server_config',
  'default_server_name',
  'sso_redirect_options',
  'features',
  'show_labs_settings',
  'brand',
  'branding',
  'report_event',
  'integrations_ui_url',
  'integrations_rest_url',
  'integrations_widgets_urls',
  'bug_report_endpoint_url',
  'room_directory',
  'default_theme',
  'default_country_code',
  'setting_defaults',
  'disable_custom_urls',
  'permalink_prefix',
  'jitsi',
  'disable_guests',
  'disable_login_language_selector',
  'disable_3pid_login',
  'default_federate',
  'mobile_guide_toast',
  'embedded_pages',
  'privacy_policy_url',
  'terms_and_conditions_links',
  'help_url',
  'map_style_url',
  'oidc_static_clients',
]);

test('element config: only documented options, each listed in ELEMENT_CONFIG_KEYS', () => {
  assert.deepEqual(Object.keys(config).sort(), [...ELEMENT_CONFIG_KEYS].sort());
  for (const key of Object.keys(config)) assert.ok(DOCUMENTED.has(key), `${key} is a documented Element option`);
});

test('element config: default_server_config is the .well-known client object with base URLs', () => {
  const wellKnown = JSON.parse(
    /location = \/\.well-known\/matrix\/client \{[^}]*return 200 '([^']+)'/.exec(
      renderNginx(s)['base-domain.conf.template'] ?? '',
    )?.[1] ?? '{}',
  ) as Record<string, { base_url: string }>;
  assert.equal(config.default_server_config['m.homeserver']?.base_url, 'https://matrix.example.org');
  assert.equal(
    config.default_server_config['m.homeserver']?.base_url,
    wellKnown['m.homeserver']?.base_url,
    'the same base URL as .well-known',
  );
  assert.equal(
    config.default_server_config['m.homeserver']?.server_name,
    'example.org',
    'server_name, shown to the user',
  );
  assert.equal(config.default_server_config['m.identity_server'], undefined, 'no identity server: none is run');
  for (const v of Object.values(config.default_server_config))
    if (v.base_url !== undefined) assert.match(v.base_url, /^https:\/\/[^/]+$/, 'a base URL: https, no path');
});

test('element config: brand, no guests, our room directory, the homeserver fixed', () => {
  assert.equal(config.brand, 'Element');
  assert.equal(config.disable_guests, true);
  assert.equal(config.disable_custom_urls, true);
  assert.deepEqual(config.room_directory, { servers: ['example.org'] });
});

test('element config: sign-up matches the server: token-only registration, no e-mail or phone', () => {
  const hs = renderHomeserver(s);
  assert.match(hs, /^enable_registration: true$/m);
  assert.match(hs, /^registration_requires_token: true$/m);
  assert.doesNotMatch(hs, /^email:/m, 'no e-mail is configured, so no password reset by e-mail');
  assert.equal(
    config.setting_defaults['UIFeature.registration'],
    true,
    'the sign-up form is offered (the server asks for the token)',
  );
  assert.equal(config.disable_3pid_login, true, 'no e-mail or phone number fields');
  assert.equal(config.setting_defaults['UIFeature.passwordReset'], false);
  assert.equal(config.setting_defaults['UIFeature.identityServer'], false);
  assert.equal(config.setting_defaults['UIFeature.thirdPartyId'], false);
  assert.deepEqual(config.setting_defaults, ELEMENT_UI_FEATURES);
  for (const k of Object.keys(config.setting_defaults)) assert.match(k, /^UIFeature\.[a-zA-Z]+$/);
});

test("nginx: the Element host sends the headers Element's docs ask for", () => {
  const conf = renderNginx(s)['element.conf.template'] ?? '';
  assert.match(conf, /add_header X-Frame-Options SAMEORIGIN always;/);
  assert.match(conf, /add_header Content-Security-Policy "frame-ancestors 'self'" always;/);
  assert.match(conf, /add_header X-Content-Type-Options nosniff always;/);
  assert.match(conf, /add_header Cache-Control \$element_cache_control always;/);
  const rule = /map \$uri \$element_cache_control \{\s*~(\S+) "no-cache";\s*default "";\s*\}/.exec(conf);
  assert.ok(rule?.[1] !== undefined, 'a no-cache map on $uri');
  const noCache = new RegExp(rule[1]);
  for (const uri of [
    '/',
    '/index.html',
    '/version',
    '/config.json',
    '/config.chat.example.org.json',
    '/i18n/en_EN.json',
  ])
    assert.ok(noCache.test(uri), `${uri} is no-cache`);
  for (const uri of ['/bundles/abc123/bundle.js', '/fonts/Inter.woff2', '/index.html.bak', '/x/config.json'])
    assert.ok(!noCache.test(uri), `${uri} may be cached`);
});
