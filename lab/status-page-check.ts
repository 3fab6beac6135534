// The monitor's status page in a real browser (lab/browser.ts's Chromium): opened on a phone-sized
// and a desktop viewport, screenshotted whole into the artifacts folder, and read back as a person
// sees it, so e2e tests assert on what is shown rather than on the HTML text:
//   - the banner's level, and whether it is painted the colour of that level;
//   - how many signals are painted red / amber (computed style, not class names);
//   - how many points each chart's polyline has, and whether the line has a size on screen;
//   - every request the page made besides itself (there must be none: no external asset);
//   - whether the phone layout needs sideways scrolling.
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import type { LabBrowser } from './browser.ts';

export const VIEWPORTS = {
  phone: { width: 390, height: 844, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
  desktop: { width: 1280, height: 900, deviceScaleFactor: 1 },
} as const;

export interface StatusPageSeen {
  /** The banner's data-level: ok, warn or critical. */
  level: string;
  /** The banner's computed background colour, rgb(…). */
  bannerColour: string;
  signals: number;
  /** Signals whose mark is painted the page's red / amber. */
  red: number;
  amber: number;
  /** The ids of the red signals, for messages. */
  redIds: string[];
  alerts: string[];
  /** Series id → vertices of its drawn polyline (0: the chart says "no data yet"). */
  points: Record<string, number>;
  /** Series whose line is drawn with a visible size (width > 0 on screen). */
  drawn: string[];
  noData: string[];
  /** Requests the page made other than for itself. */
  requests: string[];
  /** The document is wider than the viewport (sideways scrolling on a phone). */
  overflowsX: boolean;
  screenshot: string;
}

// NOTE: the callback given to evaluate runs in the browser. This Node project has no DOM lib, so
// it names the little of the page it touches through these shapes.
interface Node {
  dataset: Record<string, string | undefined>;
  style: { backgroundColor: string };
  points?: { numberOfItems: number };
  querySelector(selector: string): Node | null;
  getBoundingClientRect(): { width: number };
  remove(): void;
}
interface PageGlobals {
  document: {
    documentElement: Node & { scrollWidth: number };
    body: { append(n: Node): void };
    createElement(tag: string): Node;
    querySelector(selector: string): Node | null;
    querySelectorAll(selector: string): Iterable<Node>;
  };
  getComputedStyle(this: void, n: Node): { backgroundColor: string; getPropertyValue(name: string): string };
  innerWidth: number;
}

/** What the page shows, read in the browser. Colours are compared with the stylesheet's own. */
async function readPage(page: Page): Promise<Omit<StatusPageSeen, 'requests' | 'screenshot'>> {
  return page.evaluate(() => {
    const { document, getComputedStyle, innerWidth } = globalThis as unknown as PageGlobals;
    /** A stylesheet variable (--crit, --warn) as the browser computes a colour: rgb(…). */
    const paint = (variable: string): string => {
      const probe = document.createElement('span');
      probe.style.backgroundColor = getComputedStyle(document.documentElement).getPropertyValue(variable).trim();
      document.body.append(probe);
      const c = getComputedStyle(probe).backgroundColor;
      probe.remove();
      return c;
    };
    const red = paint('--crit');
    const amber = paint('--warn');
    const signals = [...document.querySelectorAll('li.signal')];
    const painted = (s: Node): string => {
      const mark = s.querySelector('.mark');
      return mark === null ? '' : getComputedStyle(mark).backgroundColor;
    };
    const banner = document.querySelector('header.banner');
    const charts = [...document.querySelectorAll('figure.chart')];
    const line = (f: Node) => f.querySelector('polyline.line');
    return {
      level: banner?.dataset['level'] ?? '',
      bannerColour: banner === null ? '' : getComputedStyle(banner).backgroundColor,
      signals: signals.length,
      red: signals.filter((s) => painted(s) === red).length,
      amber: signals.filter((s) => painted(s) === amber).length,
      redIds: signals.filter((s) => painted(s) === red).map((s) => s.dataset['signal'] ?? ''),
      alerts: [...document.querySelectorAll('li.alert')].map((a) => a.dataset['alert'] ?? ''),
      points: Object.fromEntries(charts.map((f) => [f.dataset['series'] ?? '', line(f)?.points?.numberOfItems ?? 0])),
      drawn: charts
        .filter((f) => (line(f)?.getBoundingClientRect().width ?? 0) > 0)
        .map((f) => f.dataset['series'] ?? ''),
      noData: charts.filter((f) => f.querySelector('.nodata') !== null).map((f) => f.dataset['series'] ?? ''),
      overflowsX: document.documentElement.scrollWidth > innerWidth,
    };
  });
}

/**
 * Opens `url` at a viewport, keeps a full-page screenshot named `<name>-<viewport>.png` under the
 * browser's artifacts folder, and returns what the page shows.
 */
export async function checkStatusPage(
  browser: LabBrowser,
  url: string,
  o: { name: string; viewport: keyof typeof VIEWPORTS },
): Promise<StatusPageSeen> {
  const context = await browser.browser.createBrowserContext();
  try {
    const page = await context.newPage();
    await page.setViewport(VIEWPORTS[o.viewport]);
    const requests: string[] = [];
    page.on('request', (r) => {
      if (r.url() !== url) requests.push(r.url());
    });
    const res = await page.goto(url, { waitUntil: 'load', timeout: 60_000 });
    if (res === null || res.status() !== 200) throw new Error(`${url} answered ${res?.status() ?? 'nothing'}`);
    const seen = await readPage(page);
    const screenshot = join(browser.artifacts, `${o.name}-${o.viewport}.png`);
    await page.screenshot({ path: screenshot, fullPage: true });
    return { ...seen, requests, screenshot };
  } finally {
    await context.close();
  }
}
