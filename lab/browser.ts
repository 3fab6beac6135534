// A real browser against a lab: Debian's chromium (lab/host/install.sh), driven headless by
// puppeteer-core. It reaches the lab's PUBLIC names (chat.labN.test, ...) on the lab's loopback
// address, the way a user's browser reaches a deployment, and it TRUSTS the lab's ACME CA (pebble's
// roots) the way a user's system would: the roots go into a private NSS database, which Chromium
// on Linux reads for locally added trust anchors. No certificate error is ignored, so a wrong
// certificate, name or chain fails the test as it would fail a user. (Service workers, which
// Hydrogen needs for authenticated media, also refuse to register on a page with a certificate error.)
// Each step can keep a screenshot under an artifacts folder that CI keeps.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import type { Browser, BrowserContext, Page } from 'puppeteer-core';

const exec = promisify(execFile);

export interface LabBrowserOptions {
  /** The lab's loopback address: every public name is mapped to it. */
  address: string;
  /** The public names the browser may visit (chat host, matrix host, server name). */
  names: readonly string[];
  /** PEM roots to trust (the lab's acme-roots.pem): one or more certificates. */
  caPem: string;
  /** Where screenshots go, e.g. test/e2e/artifacts/browser. */
  artifacts: string;
  /** Defaults to /usr/bin/chromium (or $CHROMIUM). */
  executablePath?: string;
}

/** Splits a PEM bundle into its certificates. */
export function pemCertificates(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/** Chromium's --host-resolver-rules value: each name to the address, everything else unresolvable. */
export function hostResolverRules(names: readonly string[], address: string): string {
  // NOTE: "MAP * ~NOTFOUND" keeps the browser off the real network: the lab is loopback only.
  return [...names.map((n) => `MAP ${n} ${address}`), 'MAP * ~NOTFOUND'].join(', ');
}

export class LabBrowser {
  readonly browser: Browser;
  readonly artifacts: string;
  readonly #home: string;
  #shot = 0;

  private constructor(browser: Browser, home: string, artifacts: string) {
    this.browser = browser;
    this.#home = home;
    this.artifacts = artifacts;
  }

  static async launch(o: LabBrowserOptions): Promise<LabBrowser> {
    const home = await mkdtemp(join(tmpdir(), 'mxlab-browser-'));
    try {
      const nssdb = join(home, '.pki', 'nssdb');
      await mkdir(nssdb, { recursive: true });
      await exec('certutil', ['-N', '-d', `sql:${nssdb}`, '--empty-password']);
      const roots = pemCertificates(o.caPem);
      if (roots.length === 0) throw new Error('no CA certificate to trust');
      for (const [i, pem] of roots.entries()) {
        const file = join(home, `root-${i}.pem`);
        await writeFile(file, `${pem}\n`);
        // "C,," = trusted to issue server certificates (not e-mail or code signing).
        await exec('certutil', [
          '-A',
          '-d',
          `sql:${nssdb}`,
          '-t',
          'C,,',
          '-n',
          `element-matrix lab root ${i}`,
          '-i',
          file,
        ]);
      }
      await mkdir(o.artifacts, { recursive: true });
      const browser = await puppeteer.launch({
        executablePath: o.executablePath ?? process.env['CHROMIUM'] ?? '/usr/bin/chromium',
        headless: true,
        // NOTE: HOME points Chromium at the NSS database above (it reads $HOME/.pki/nssdb).
        env: { ...process.env, HOME: home },
        userDataDir: join(home, 'profile'),
        args: [
          `--host-resolver-rules=${hostResolverRules(o.names, o.address)}`,
          // NOTE: the lab runs as root in CI containers, where Chromium's sandbox cannot start.
          ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
          '--disable-dev-shm-usage',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-features=Translate,OptimizationHints,MediaRouter',
        ],
        protocolTimeout: 120_000,
      });
      return new LabBrowser(browser, home, o.artifacts);
    } catch (error) {
      await rm(home, { recursive: true, force: true });
      throw error;
    }
  }

  /** An isolated context: its own cookies, storage and IndexedDB (a second person). */
  async newPage(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await this.browser.createBrowserContext();
    const page = await context.newPage();
    await page.setViewport({ width: 1280, height: 800 });
    return { context, page };
  }

  /** Keeps a numbered screenshot of the page under the artifacts folder; returns its path. */
  async screenshot(page: Page, step: string): Promise<string> {
    const name = `${String(++this.#shot).padStart(2, '0')}-${step.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.png`;
    const path = join(this.artifacts, name);
    await page.screenshot({ path });
    return path;
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => undefined);
    await rm(this.#home, { recursive: true, force: true });
  }
}
