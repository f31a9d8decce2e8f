// Serve-mode harness for the UI tests and bench:ui: the built renderer, a real core in this process
// (broker, simulator, SQLite in a temp dir, HTTP on port 0) and Debian's Chromium via playwright-core.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createCore, testConfig, type Core } from '../../electron/core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ARTIFACTS = path.join(ROOT, '.tmp', 'artifacts');
export const CHROMIUM = process.env.AEGISFLOW_CHROMIUM ?? '/usr/bin/chromium';
// Headless, no sandbox (containers), and nothing that phones home.
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** `npm test` builds first; a direct vitest run builds here when out/renderer is missing. */
export function ensureRendererBuilt(): void {
  if (fs.existsSync(path.join(ROOT, 'out', 'renderer', 'index.html'))) return;
  const r = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'electron-vite'), ['build'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('electron-vite build failed');
}

type Plain = Record<string, unknown>;

/** The operator the UI tests log in as, like a person at the console would. */
export const UI_OPERATOR = { name: 'Dana Reyes', password: 'correct horse battery staple', roles: ['admin'] };

/** Open the page and log in through the login screen; resolves once the live link is up. */
export async function logIn(page: Page, url: string, who: { name: string; password: string } = UI_OPERATOR): Promise<void> {
  await page.goto(url);
  await page.fill('form.login input[name="name"]', who.name);
  await page.fill('form.login input[name="password"]', who.password);
  await page.click('form.login button[type="submit"]');
  await page.waitForSelector('[data-field="connection"]:has-text("connected")');
}

export interface UiRig {
  core: Core;
  url: string;
  /** Log the rig's page in as UI_OPERATOR. */
  login(): Promise<void>;
  dir: string;
  browser: Browser;
  page: Page;
  /** Page errors seen so far (a crash in the UI fails the test that looks at it). */
  errors: string[];
  close(): Promise<void>;
}

export async function startUiRig(overrides: Plain = {}, viewport = { width: 1600, height: 1000 }): Promise<UiRig> {
  ensureRendererBuilt();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aegisflow-ui-'));
  const core = createCore(testConfig(dir, overrides));
  let browser: Browser | null = null;
  try {
    await core.start();
    await core.services.operators.registry.add(UI_OPERATOR);
    const url = core.services.http!.url;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    // A context of its own, so extra pages (a pop-up, a pop-out) share the page's session cookie.
    const page = await (await browser.newContext({ viewport })).newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.stack ?? e.message));
    return {
      core,
      url,
      dir,
      browser,
      page,
      errors,
      login: () => logIn(page, url),
      async close() {
        await browser?.close().catch(() => {});
        await core.stop();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await browser?.close().catch(() => {});
    await core.stop().catch(() => {});
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

export async function showPane(page: Page, pane: string): Promise<void> {
  await page.click(`[data-pane-tab="${pane}"]`);
  await page.waitForSelector(`section.pane-body[data-pane="${pane}"]`);
}

export async function screenshotPane(page: Page, pane: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `pane-${pane}.png`);
  await page.locator(`section.pane-body[data-pane="${pane}"]`).screenshot({ path: file });
  return file;
}
