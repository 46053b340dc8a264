import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer, { type Browser } from 'puppeteer';
import { UserError } from '../../core/src/errors.ts';

export interface ScreenshotOptions {
  /** The Chromium binary (see findChromium). */
  executablePath: string;
  width: number;
  height: number;
  /** 2 gives a crisp image on high-density screens and in reports; 1 halves the pixels. */
  deviceScaleFactor: 1 | 2;
  /** A global the page sets to 'ready' when drawn, or to 'error: <reason>'. */
  readyGlobal: string;
  timeoutMs?: number;
}

// Everything that would make Chromium talk to the network or to Google on its own, plus what a container needs.
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
  '--disable-dev-shm-usage',
] as const;

// The page comes from disk; anything else it asks for would make the output depend on the network.
const LOCAL_URL = /^(file|data|blob|about):/i;

/**
 * Opens a local HTML file in a fresh headless Chromium with every non-local request blocked, waits for the page to
 * say it is drawn, and returns a PNG of its top-left `width` x `height` CSS pixels. Fails if the page tried the
 * network, threw, or never became ready.
 */
export async function screenshotLocalPage(htmlFile: string, options: ScreenshotOptions): Promise<Uint8Array> {
  const timeout = options.timeoutMs ?? 60_000;
  const userDataDir = await mkdtemp(join(tmpdir(), 'chart-chromium-'));
  let browser: Browser | undefined;
  try {
    browser = await launch(options, userDataDir, timeout);
    const page = await browser.newPage();
    const refused: string[] = [];
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error instanceof Error ? error.message : String(error)));
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      if (LOCAL_URL.test(request.url())) {
        void request.continue();
      } else {
        refused.push(request.url());
        void request.abort('blockedbyclient');
      }
    });

    await page.goto(pathToFileURL(htmlFile).href, { waitUntil: 'load', timeout });
    const failIfBroken = (state?: string): void => {
      if (refused.length > 0) {
        throw new Error(`${htmlFile} tried to reach the network (blocked): ${refused.slice(0, 5).join(', ')}`);
      }
      const problems = [...(state === undefined || state === 'ready' ? [] : [state]), ...pageErrors];
      if (problems.length > 0) throw new Error(`${htmlFile} failed to render: ${problems.join('; ')}`);
    };
    // Subresources have been tried by 'load': a blocked script fails here rather than as a timeout below.
    failIfBroken();
    const stateExpression = `window[${JSON.stringify(options.readyGlobal)}]`;
    await page.waitForFunction(`${stateExpression} !== undefined`, { timeout });
    failIfBroken(String(await page.evaluate(stateExpression)));
    return await page.screenshot({ type: 'png', clip: { x: 0, y: 0, width: options.width, height: options.height } });
  } finally {
    if (browser) await closeBrowser(browser);
    await rm(userDataDir, { recursive: true, force: true, maxRetries: 3, retryDelay: 100 });
  }
}

async function launch(options: ScreenshotOptions, userDataDir: string, timeout: number): Promise<Browser> {
  try {
    return await puppeteer.launch({
      executablePath: options.executablePath,
      headless: true,
      pipe: true,
      userDataDir,
      args: [...CHROMIUM_FLAGS],
      defaultViewport: { width: options.width, height: options.height, deviceScaleFactor: options.deviceScaleFactor },
      timeout,
      protocolTimeout: timeout,
    });
  } catch (error) {
    throw new UserError(
      `could not start it as a headless browser (${error instanceof Error ? error.message : String(error)}); ` +
        `check that "${options.executablePath} --headless --version" runs, or set PUPPETEER_EXECUTABLE_PATH to another Chromium`,
      options.executablePath,
    );
  }
}

// A wedged browser must not hang the stage: give close() a few seconds, then kill the process.
async function closeBrowser(browser: Browser): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), 5_000);
  });
  try {
    const outcome = await Promise.race([browser.close().then(() => 'closed' as const), timedOut]);
    if (outcome === 'timeout') browser.process()?.kill('SIGKILL');
  } catch {
    browser.process()?.kill('SIGKILL');
  } finally {
    clearTimeout(timer);
  }
}
