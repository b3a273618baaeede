// Headless Debian `chromium` driven by playwright-core (which downloads no browser of its own), for
// the dashboard's browser tests, its screenshots script and its benchmark. The server's
// certificate is signed by the cluster's own CA, which the browser does not know: the context
// accepts it, as a user would after adding the CA.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/chromium-headless-shell'];

/** The Chromium binary (PEAPOD_CHROMIUM overrides), or undefined when none is installed. */
export function chromiumPath(): string | undefined {
  const override = process.env.PEAPOD_CHROMIUM;
  if (override) return existsSync(override) ? override : undefined;
  return CANDIDATES.find((p) => existsSync(p));
}

/** Why browser tests cannot run here, or false. */
export function browserSkipReason(): string | false {
  return chromiumPath() ? false : 'no chromium binary (apt-get install chromium; scripts/install-deps.sh does)';
}

export interface HeadlessBrowser {
  readonly browser: Browser;
  /** A fresh context (own sessionStorage) with a desktop-sized viewport. */
  context(): Promise<BrowserContext>;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<HeadlessBrowser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error('no chromium binary found');
  // As root Chromium refuses to start without --no-sandbox; the pages it loads are our own.
  const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  return {
    browser,
    context: () => browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } }),
    close: () => browser.close(),
  };
}

/**
 * page.goto, retried when Chromium aborts the navigation with ERR_NETWORK_CHANGED: it does so
 * whenever the host's interfaces change, which other tests on this machine (netns, bridges) do.
 */
export async function gotoRetrying(page: Page, url: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await page.goto(url);
      return;
    } catch (e) {
      // Either the request itself fails, or Chromium swaps in its error page mid-navigation.
      if (attempt >= 4 || !/ERR_NETWORK_CHANGED|interrupted by another navigation to "chrome-error:/.test(String(e))) throw e;
    }
  }
}
