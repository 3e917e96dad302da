/**
 * A panel's bundle in a real Chromium page, as the webview tests drive it: the page the static
 * report writes (strict CSP, data embedded), with the messages the panel posts collected.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { PageName, panelHtml } from '../src/report/html';
import type { HostToWebview } from '../src/shared/protocol';
import { tempDir } from './helpers';

// Page-side callbacks run in the browser: these names exist there, not in Node's types.
interface PageWindow {
  __posted: Array<Record<string, unknown>>;
  addEventListener(type: string, fn: (e: { detail: Record<string, unknown> }) => void): void;
}
declare const window: PageWindow;

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
