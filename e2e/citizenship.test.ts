import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO, Workbench, codeServerBinary, hostLogs, openWorkbench } from './code-server';

/**
 * A folder with no runs in it (most of a user's windows): the extension does not activate at
 * start-up and puts nothing in the status bar. It activates on need: opening its view.
 */

const VSIX = path.join(REPO, 'lsmi-lens.vsix');
let wb: Workbench;
let workspace: string;

before(async () => {
  assert.ok(fs.existsSync(VSIX), `no ${VSIX}: run npm run test:e2e (it packages the extension first)`);
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'lsmi-e2e-plain-'));
  fs.writeFileSync(path.join(workspace, 'notes.md'), '# not a training run\n');
  wb = await openWorkbench(codeServerBinary(), VSIX, workspace, { trust: true });
});

after(async () => {
  await wb?.stop();
  if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
});

const activated = () => /_doActivateExtension lsmi-lens\.lsmi-lens/.test(hostLogs(wb.userData));

test('a folder without runs: no activation at start-up, no status bar item; the view activates it', async () => {
  const { page } = wb;
  // Long enough for onStartupFinished-style activation to have happened (it took ~13 s with runs).
  await new Promise((r) => setTimeout(r, 20_000));
  assert.equal(activated(), false, 'activated in a window with no runs');
  assert.equal(await page.locator('.statusbar-item', { hasText: 'LSMI' }).count(), 0, 'status bar item without roots');
  await page.locator('.activitybar .action-label[aria-label^="LSMI"]').first().click();
  const deadline = Date.now() + 60_000;
  while (!activated() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
  assert.ok(activated(), 'opening the LSMI view activates the extension');
  assert.equal(
    await page.locator('.statusbar-item', { hasText: 'LSMI' }).count(),
    0,
    'still no status bar item: no roots',
  );
});
