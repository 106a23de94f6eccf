// Debian's Chromium driven by playwright-core: never a downloaded browser.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { PROJECT_ROOT } from './processes.js';

const require = createRequire(import.meta.url);
export const SCREENSHOT_DIR = join(PROJECT_ROOT, 'test-output', 'screenshots');

/** `extraArgs`: more Chromium switches, e.g. --host-resolver-rules for test host names. */
export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run', ...extraArgs],
  });
}

/** Saves a full-page screenshot under test-output/screenshots/. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/**
 * Runs axe-core's WCAG 2.1 A and AA rules on the page and fails on any violation.
 * The browser context needs bypassCSP: our CSP rightly refuses the injected script.
 */
export async function expectAccessible(page: Page, label: string): Promise<void> {
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: Array<{ id: string; help: string; nodes: Array<{ html: string }> }> }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.html).join(' | ')})`);
  });
  expect(violations, `accessibility of ${label}`).toEqual([]);
}

/** Nothing wider than the screen: readable on a phone without sideways scrolling. */
export async function expectNoSidewaysScroll(page: Page, label: string): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `sideways overflow on ${label}`).toBeLessThanOrEqual(0);
}

/** A Twofold over a fresh SQLite database and one Chromium, for a browser test file. */
export function useBrowserAndServer(env: Record<string, string> = {}): { readonly browser: Browser; readonly server: import('./server.js').TestServer } {
  const state: { browser?: Browser; server?: import('./server.js').TestServer; destroy?: () => Promise<void> } = {};
  beforeAll(async () => {
    const { DATABASES } = await import('./databases.js');
    const { startTestServer } = await import('./server.js');
    const created = await DATABASES[0]!.create();
    state.destroy = created.destroy;
    state.server = await startTestServer(created.store, env);
    state.browser = await launchChromium();
  });
  afterAll(async () => {
    await state.browser?.close();
    await state.server?.close();
    await state.destroy?.();
  });
  return {
    get browser() {
      return state.browser!;
    },
    get server() {
      return state.server!;
    },
  };
}

/** The page's main heading, as a person reads it first. */
export const headingOf = (page: Page) => page.getByRole('heading', { level: 1 }).textContent();

/** Every check a new page gets: axe, no sideways scrolling, and a screenshot to look at. */
export async function lookAt(page: Page, name: string): Promise<void> {
  await expectAccessible(page, name);
  await expectNoSidewaysScroll(page, name);
  await screenshot(page, name);
}

/** Opens the sign-in page at `baseUrl` and submits an email and password. */
export async function submitPasswordIn(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByLabel('Username (email)').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}
