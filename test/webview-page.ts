/**
 * A panel's bundle in a real Chromium page, as the webview tests drive it: the page the static
 * report writes (strict CSP, data embedded), with the messages the panel posts collected.
 */
import { after, before } from 'node:test';
import * as fs from 'fs';
import * as path from 'path';
import { chromium, Browser, Page } from 'playwright-core';
import { PageName, panelHtml } from '../src/report/html';
import type { HostToWebview } from '../src/shared/protocol';
import { CHROMIUM, CHROMIUM_FLAGS } from './chromium';
import { tempDir } from './helpers';

// Page-side callbacks run in the browser: these names exist there, not in Node's types.
interface PageWindow {
  __posted: Array<Record<string, unknown>>;
  addEventListener(type: string, fn: (e: { detail: Record<string, unknown> }) => void): void;
}
declare const window: PageWindow;

/**
 * One Chromium for a test file's tests: registers node:test hooks that launch it before them and
 * close it after them. `missing` says why there is none (no Chromium at CHROMIUM); the tests skip
 * with it as their reason. With `label`, a missing Chromium is also printed: "# skipped <label>: …".
 * `browser()` is the launched browser (call it inside a test, not when the file loads).
 */
export function sharedBrowser(label?: string): { missing: string | undefined; browser: () => Browser } {
  const missing = fs.existsSync(CHROMIUM)
    ? undefined
    : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;
  if (missing && label) console.log(`# skipped ${label}: ${missing}`);
  let launched: Browser | undefined;
  before(async () => {
    if (!missing) launched = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
  });
  after(async () => {
    await launched?.close();
  });
  const browser = () => {
    if (!launched) throw new Error(missing ?? 'Chromium is not launched yet (browser() runs before the tests)');
    return launched;
  };
  return { missing, browser };
}

/** Opens `panel` with `messages`, once `ready` is on the page; console errors (CSP violations too) are collected. */
export async function openPanel(
  browser: Browser,
  panel: PageName,
  messages: HostToWebview[],
  ready: string,
  width = 1100,
): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.addInitScript(() => {
    window.__posted = [];
    window.addEventListener('lsmi-post', (e) => window.__posted.push(e.detail));
  });
  const file = path.join(tempDir(`lsmi-${panel}-`), `${panel}.html`);
  fs.writeFileSync(file, panelHtml(panel, messages, panel));
  await page.goto(`file://${file}`);
  await page.waitForSelector(ready);
  return { page, errors };
}

/** The messages the page's panel posted to its host. */
export const posted = (page: Page) => page.evaluate(() => window.__posted);

/** Picks an option of a vscode-single-select the way a user does: open it, click the option. */
export async function choose(page: Page, select: string, label: string): Promise<void> {
  await page.click(select);
  await page.locator(select).getByRole('option', { name: label, exact: true }).click();
}

/** The number of rows the explorer says it shows ("1,234 of 100,000 samples"). */
export const countShown = async (page: Page, root = ''): Promise<number> =>
  Number(((await page.textContent(`${root} .count`)) ?? '').replace(/,/g, '').split(' ')[0]);

/** VS Code's dark theme variables (Dark Modern), as a webview in a dark theme has them. */
export const DARK_THEME: Record<string, string> = {
  '--vscode-editor-background': '#1f1f1f',
  '--vscode-editor-foreground': '#cccccc',
  '--vscode-foreground': '#cccccc',
  '--vscode-descriptionForeground': '#9d9d9d',
  '--vscode-editorWidget-border': '#454545',
  '--vscode-charts-blue': '#3794ff',
  '--vscode-charts-orange': '#d18616',
  '--vscode-charts-green': '#89d185',
  '--vscode-charts-purple': '#b180d7',
  '--vscode-charts-red': '#f14c4c',
  '--vscode-terminal-ansiCyan': '#11a8cd',
};

/** Sets theme variables on the page and marks body with VS Code's theme class, as VS Code does on a theme switch. */
export async function setTheme(page: Page, vars: Record<string, string>, bodyClass = 'vscode-dark'): Promise<void> {
  await page.evaluate(
    ([v, cls]) => {
      const doc = (
        globalThis as unknown as {
          document: {
            documentElement: { style: { setProperty(k: string, x: string): void } };
            body: { className: string };
          };
        }
      ).document;
      for (const [k, x] of Object.entries(v)) doc.documentElement.style.setProperty(k, x);
      doc.body.className = cls;
    },
    [vars, bodyClass] as const,
  );
}
