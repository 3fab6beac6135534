import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { ALERT_THRESHOLDS, renderAlertRules } from './alert-rules.ts';
import { EXPORTED_METRICS } from '../monitoring/exported-metrics.ts';
import { renderRunbook } from './runbook.ts';
import { settingsFromChoices } from '../init-options.ts';
import { SECRET_KEYS } from '../settings.ts';

const secrets = Object.fromEntries(SECRET_KEYS.map((k) => [k, 'x'.repeat(43)])) as Record<
  (typeof SECRET_KEYS)[number],
  string
>;

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const files = renderAlertRules();
const rules = Object.values(files).flatMap((text) =>
  (parseYaml(text) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules),
);
const alerts = rules.filter((r) => r.alert !== undefined);

test('alert rules: one file per group, the four groups of the issue and the watchdog', () => {
  assert.deepEqual(Object.keys(files), [
    'synapse.rules.yml',
    'stack.rules.yml',
    'certificates.rules.yml',
    'backups.rules.yml',
    'watchdog.rules.yml',
  ]);
});

test('alert rules: severity warning or critical (the Watchdog: none), and a one-line summary', () => {
  for (const a of alerts) {
    const severity = a.labels?.['severity'];
    if (a.alert === 'Watchdog') assert.equal(severity, 'none');
    else assert.ok(severity === 'warning' || severity === 'critical', `${a.alert}: severity ${severity}`);
    assert.deepEqual(Object.keys(a.annotations ?? {}), ['summary'], a.alert);
    assert.doesNotMatch(a.annotations?.['summary'] ?? '', /\n/, a.alert);
  }
});

test('alert rules: every mxctl_* metric they read is in the monitor contract, and every contract metric is read', () => {
  const read = new Set(rules.flatMap((r) => r.expr.match(/\bmxctl_[a-z_]+/g) ?? []));
  const contract = new Set(EXPORTED_METRICS.map((m) => m.name));
  assert.deepEqual([...read].sort(), [...contract].sort());
});

test('alert rules: the thresholds are the ones stated', () => {
  const expr = (name: string) => alerts.find((a) => a.alert === name)?.expr ?? '';
  assert.match(expr('SynapseHighMemory'), new RegExp(`> ${ALERT_THRESHOLDS.synapseRssGB}$`));
  assert.match(expr('DiskAlmostFull'), / > 0\.8$/);
  assert.match(expr('RestoreTestTooOld'), / > 35$/);
  assert.match(expr('CertificateExpiresSoon'), / < 0\.25 \* /);
});

test('alert rules: the runbook names every alert and the thresholds it states', () => {
  const runbook = renderRunbook(settingsFromChoices({ domain: 'example.org' }, secrets));
  const section = runbook.slice(runbook.indexOf('### Shipped alert rules'));
  for (const a of alerts) assert.match(section, new RegExp(`\\b${a.alert ?? ''}\\b`), `${a.alert} in the runbook`);
  assert.match(section, /> 2 GB for 30 m/);
  assert.match(section, /> 35 days/);
  assert.match(section, /> 26 h/);
});
