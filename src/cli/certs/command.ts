// Command table: certificates. Actions import their run module lazily (fast --help).
import type { Command } from '@commander-js/extra-typings';
import { dirOf, jsonOf, withConfirm, withJson } from '../command.ts';
import type { Done } from '../command.ts';

const load = () => import('./run.ts');

export function registerCerts(program: Command, done: Done): void {
  const certs = program.command('certs').description('TLS certificates: what each public name serves, and renewal');
  withJson(
    certs
      .command('status')
      .description(
        'per public name: the served certificate against the newest on disk, its lifetime left, when certbot renews it, the last renewal attempt',
      ),
  ).action(async (opts, cmd) => done(await (await load()).runCertsStatus(jsonOf(opts, cmd), dirOf(cmd))));
  withConfirm(
    certs
      .command('renew')
      .description('renew with certbot (webroot), reload nginx gracefully, and prove the new certificate is served')
      .option('--force', 'renew now even when certbot says it is not due'),
    'certbot --dry-run against the CA with the deploy hook run; nothing is replaced',
  ).action(async (opts, cmd) => done(await (await load()).runCertsRenew(jsonOf(opts, cmd), dirOf(cmd))));
}
