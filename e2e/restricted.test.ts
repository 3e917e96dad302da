import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO, Workbench, codeServerBinary, hostLogs, openWorkbench, until } from './code-server';

/**
 * Restricted Mode in a real VS Code: a workspace the user has not trusted (a cloned
 * repository) gets no analysis. Nothing is read, no worker starts, nothing is written into
 * the runs root, and the Runs view says why.
 */

const VSIX = path.join(REPO, 'lsmi-lens.vsix');
const CLI = path.join(REPO, 'bin', 'lsmi.js');
let wb: Workbench;
let workspace: string;

before(async () => {
  assert.ok(fs.existsSync(VSIX), `no ${VSIX}: run npm run test:e2e (it packages the extension first)`);
  const bin = codeServerBinary();
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'lsmi-e2e-untrusted-'));
  const run = path.join(workspace, 'runs', 'r1');
  fs.mkdirSync(run, { recursive: true });
  fs.mkdirSync(path.join(workspace, '.vscode'));
  fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'lsmi.runsRoots': ['runs'] }));
  execFileSync(process.execPath, [CLI, 'synth', 'or', '--n', '400', '--out', path.join(run, 'epoch-0001.safetensors')]);
  wb = await openWorkbench(bin, VSIX, workspace, { trust: false });
});

after(async () => {
  await wb?.stop();
  if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
});

test('an untrusted workspace: the Runs view says Restricted Mode and nothing is analyzed or written', async () => {
  const { page } = wb;
  // VS Code asks whether to trust the folder (a modal dialog over the workbench): answer no.
  const dialog = page.locator('.monaco-dialog-box');
  await dialog.waitFor({ timeout: 30_000 });
  await dialog
    .locator('a.monaco-button, button', { hasText: /don.t trust/i })
    .first()
    .click();
  await dialog.waitFor({ state: 'detached', timeout: 10_000 });
  await page.locator('.activitybar .action-label[aria-label^="LSMI"]').first().click();
  await until(
    'the Restricted Mode message in the Runs view',
    async () =>
      /Restricted Mode/.test(
        await page
          .locator('.pane-body')
          .allInnerTexts()
          .then((t) => t.join('\n')),
      ),
    60_000,
  );
  // Give a trusted workspace's watcher ample time to have started and analyzed this 400-row dump.
  await new Promise((r) => setTimeout(r, 15_000));
  assert.equal(
    fs.existsSync(path.join(workspace, 'runs', '.lsmi')),
    false,
    'no state or cache written into the runs root',
  );
  assert.doesNotMatch(hostLogs(wb.userData), /analyzing|epoch-0001\.safetensors: done/i);
});
