// One way to get a headless Chromium for the browser tests: Debian's package when it is installed
// (/usr/bin/chromium, what .ci/run sets up), else the Chromium build from the npm registry
// (@sparticuz/chromium, a dev dependency that ships its own NSS libraries), both driven by
// playwright-core. So `npm test` works in a lone clone without a system browser.
import { existsSync } from 'node:fs';
import { type Browser, type LaunchOptions, chromium as playwright } from 'playwright-core';

const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/** Flags that would loosen what the page under test is allowed to do: the checks must see the real rules. */
const LOOSENING = new Set([
  '--disable-web-security',
  '--allow-running-insecure-content',
  '--disable-site-isolation-trials',
]);

const DEBIAN_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where the browser came from, for messages. */
type BrowserSource = 'debian' | 'npm';

const launchOptions = async (): Promise<LaunchOptions & { source: BrowserSource }> => {
  if (existsSync(DEBIAN_CHROMIUM))
    return { source: 'debian', executablePath: DEBIAN_CHROMIUM, args: DEBIAN_ARGS, headless: true };
  const { default: sparticuz } = await import('@sparticuz/chromium');
  return {
    source: 'npm',
    executablePath: await sparticuz.executablePath(),
    args: sparticuz.args.filter((a) => !LOOSENING.has(a)),
    headless: true,
  };
};

/** A launched headless Chromium; the caller closes it. */
const launchBrowser = async (): Promise<Browser & { source: BrowserSource }> => {
  const { source, ...options } = await launchOptions();
  const browser = await playwright.launch(options);
  return Object.assign(browser, { source });
};

export type { BrowserSource };
export { DEBIAN_CHROMIUM, launchBrowser };
