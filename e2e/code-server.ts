import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { Browser, FrameLocator, Page, chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_FLAGS as FLAGS } from '../test/chromium';

/**
 * A real VS Code for the end-to-end suite: code-server (VS Code's workbench and extension
 * host served to a browser, from the npm registry), installed once into a cache folder by
 * scripts/install-code-server.sh, with the packaged .vsix installed into a throwaway
 * profile, driven by Playwright through Debian's Chromium.
 */

export const REPO = path.resolve(__dirname, '..', '..');
export const EXTENSION_ID = 'lsmi-lens.lsmi-lens';
const CS_VERSION = process.env.CS_VERSION ?? '4.100.3';
const CACHE = process.env.LSMI_E2E_CACHE ?? path.join(os.homedir(), '.cache', 'lsmi-e2e', `code-server-${CS_VERSION}`);
const INSTALLER = process.env.LSMI_E2E_INSTALLER ?? path.join(REPO, 'scripts', 'install-code-server.sh');

/** The code-server binary: installs it on first use; a failed install fails the suite with the installer's reason. */
export function codeServerBinary(): string {
  if (!fs.existsSync(INSTALLER))
    throw new Error(`code-server installer not found at ${INSTALLER} (set LSMI_E2E_INSTALLER)`);
  const out = execFileSync('bash', [INSTALLER, CACHE], {
    encoding: 'utf8',
    env: { ...process.env, CS_VERSION },
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 15 * 60_000,
  });
  const bin = out.trim().split('\n').pop() ?? '';
  if (!fs.existsSync(bin)) throw new Error(`code-server install in ${CACHE} gave no binary (last line: '${bin}')`);
  return bin;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export interface Workbench {
  page: Page;
  /** the profile's folder (logs under logs/) */
  userData: string;
  stop(): Promise<void>;
}

/** A throwaway profile with the packaged extension installed; `trust` false keeps Restricted Mode. */
export async function openWorkbench(
  bin: string,
  vsix: string,
  workspace: string,
  o: { trust: boolean },
): Promise<Workbench> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'lsmi-e2e-'));
  const dirs = {
    config: path.join(home, 'config.yaml'),
    userData: path.join(home, 'user'),
    ext: path.join(home, 'ext'),
  };
  fs.mkdirSync(path.join(dirs.userData, 'User'), { recursive: true });
  fs.writeFileSync(dirs.config, 'auth: none\ncert: false\n');
  fs.writeFileSync(
    path.join(dirs.userData, 'User', 'settings.json'),
    JSON.stringify({
      'telemetry.telemetryLevel': 'off',
      'workbench.startupEditor': 'none',
      'security.workspace.trust.enabled': true,
    }),
  );
  const env = {
    ...process.env,
    XDG_CONFIG_HOME: path.join(home, 'xdg-config'),
    XDG_DATA_HOME: path.join(home, 'xdg-data'),
    XDG_CACHE_HOME: path.join(home, 'xdg-cache'),
  };
  const common = ['--config', dirs.config, '--user-data-dir', dirs.userData, '--extensions-dir', dirs.ext];
  execFileSync(bin, [...common, '--install-extension', vsix], { env, stdio: 'ignore', timeout: 120_000 });
  const port = await freePort();
  const args = [
    ...common,
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
  ];
  if (o.trust) args.push('--disable-workspace-trust');
  // Its own process group: the file watcher, the extension host and our worker outlive a SIGTERM to the main pid.
  const server: ChildProcess = spawn(bin, [...args, workspace], { env, detached: true, stdio: 'ignore' });
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
  const stop = async () => {
    await browser.close().catch(() => undefined);
    killGroup(server);
    fs.rmSync(home, { recursive: true, force: true });
  };
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await waitForServer(port);
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
    try {
      await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    } catch {
      // Seen once (one of three e2e runs on 2026-11-30, a loaded 2-core host): the page never
      // drew the workbench in 90 s, and the next run passed. One reload, said aloud; a second
      // miss fails the test.
      console.log('# the workbench did not appear within 60 s: reloading the page once');
      await page.reload();
      await page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
    }
    return { page, userData: dirs.userData, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

async function waitForServer(port: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not listen on port ${port} within 60 s`);
}

function killGroup(p: ChildProcess): void {
  if (p.pid === undefined) return;
  try {
    process.kill(-p.pid, 'SIGTERM');
  } catch {
    return;
  }
  setTimeout(() => {
    try {
      process.kill(-p.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }, 3000).unref();
}

/** Text of every log file of the extension host so far (activation, our output channel). */
export function hostLogs(userData: string): string {
  const root = path.join(userData, 'logs');
  const out: string[] = [];
  const walk = (d: string) => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.log')) out.push(fs.readFileSync(p, 'utf8'));
    }
  };
  walk(root);
  return out.join('\n');
}

export async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
}

/** Runs a command by its title from the command palette. */
/**
 * A row of the quick pick on screen: the workbench keeps earlier pick lists in the DOM, hidden,
 * and a bare `.first()` could wait on one of those (a run timed out on a stale, hidden row).
 */
export const QUICK_PICK_ROW = '.quick-input-widget .quick-input-list .monaco-list-row:visible';

export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ timeout: 20_000 });
  await input.fill(`>${title}`);
  await page.locator(QUICK_PICK_ROW, { hasText: title }).first().waitFor({ timeout: 20_000 });
  await page.keyboard.press('Enter');
}

/** The inner frame of our webview panel (two nested iframes in the workbench). */
export function webviewFrame(page: Page, index = 0): FrameLocator {
  return page
    .frameLocator(`iframe[src*="/webview/browser/pre/index.html"][src*="extensionId=${EXTENSION_ID}"]`)
    .nth(index)
    .frameLocator('iframe#active-frame');
}
