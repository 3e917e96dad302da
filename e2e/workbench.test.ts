import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  REPO,
  Workbench,
  codeServerBinary,
  hostLogs,
  openWorkbench,
  runCommand,
  until,
  webviewFrame,
} from './code-server';

/**
 * The extension in a real VS Code (code-server 4.100.3 = VS Code 1.100.3): the packaged .vsix
 * in a throwaway profile, a workspace with a runs root, driven through the workbench's own
 * UI. Run by `npm run test:e2e` (it packages the .vsix first). No skips: when code-server
 * cannot be installed the suite fails with the installer's reason.
 */

const VSIX = path.join(REPO, 'lsmi-lens.vsix');
const CLI = path.join(REPO, 'bin', 'lsmi.js');
let wb: Workbench;
let workspace: string;

/** A workspace whose settings name `runs` as the runs root, with one run of two small checkpoints. */
function makeWorkspace(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsmi-e2e-ws-'));
  const run = path.join(dir, 'runs', 'late-fusion');
  fs.mkdirSync(run, { recursive: true });
  fs.mkdirSync(path.join(dir, '.vscode'));
  fs.writeFileSync(path.join(dir, '.vscode', 'settings.json'), JSON.stringify({ 'lsmi.runsRoots': ['runs'] }));
  fs.writeFileSync(path.join(run, 'run.json'), JSON.stringify({ name: 'late-fusion', fusion: 'late' }));
  for (const e of [1, 2]) {
    const out = path.join(run, `epoch-000${e}.safetensors`);
    execFileSync(process.execPath, [
      CLI,
      'synth',
      e === 1 ? 'or' : 'xor',
      '--n',
      '600',
      '--seed',
      String(e),
      '--out',
      out,
    ]);
  }
  return dir;
}

before(async () => {
  assert.ok(fs.existsSync(VSIX), `no ${VSIX}: run npm run test:e2e (it packages the extension first)`);
  const bin = codeServerBinary();
  workspace = makeWorkspace();
  wb = await openWorkbench(bin, VSIX, workspace, { trust: true });
});

after(async () => {
  await wb?.stop();
  if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
});

test('the extension activates in a workspace with a runs root', async () => {
  await until('activation in the extension host log', () =>
    /_doActivateExtension lsmi-lens\.lsmi-lens/.test(hostLogs(wb.userData)),
  );
});

test('the Runs view lists the run and its checkpoints', async () => {
  const { page } = wb;
  await page.locator('.activitybar .action-label[aria-label^="LSMI"]').first().click();
  const rows = page.locator('.monaco-list[aria-label="Runs"] .monaco-list-row[role="treeitem"]');
  await until('the run row', async () => (await rows.allTextContents()).some((t) => t.includes('late-fusion')), 60_000);
  // Expand the run if it is collapsed, then both checkpoints show.
  const run = rows.filter({ hasText: 'late-fusion' }).first();
  if ((await run.getAttribute('aria-expanded')) === 'false') await run.click();
  await until(
    'two checkpoint rows',
    async () => (await rows.allTextContents()).filter((t) => /epoch/i.test(t)).length >= 2,
    60_000,
  );
});

test('both checkpoints are analyzed: their rows carry S', async () => {
  const rows = wb.page.locator('.monaco-list[aria-label="Runs"] .monaco-list-row[role="treeitem"]');
  await until(
    'S on both checkpoint rows',
    async () => (await rows.allTextContents()).filter((t) => /epoch/i.test(t) && /S \d/.test(t)).length >= 2,
    240_000,
  );
  // The state a trusted workspace writes (and e2e/restricted.test.ts checks an untrusted one does not).
  assert.ok(fs.existsSync(path.join(workspace, 'runs', '.lsmi', 'status.json')), 'status.json in the runs root');
});

test('Open Dashboard draws the run inside its webview', async () => {
  await runCommand(wb.page, 'LSMI: Open Dashboard');
  const frame = webviewFrame(wb.page);
  await frame.locator('svg, canvas').first().waitFor({ timeout: 60_000 });
  const text = await frame.locator('body').innerText();
  assert.match(text, /late-fusion/, 'the dashboard names the run');
});

test('clicking an analyzed checkpoint in the Runs view opens its sample explorer', async () => {
  const { page } = wb;
  const rows = page.locator('.monaco-list[aria-label="Runs"] .monaco-list-row[role="treeitem"]');
  await rows
    .filter({ hasText: /epoch 2/i })
    .first()
    .click();
  await page.locator('.tabs-container .tab', { hasText: 'LSMI Samples' }).first().waitFor({ timeout: 30_000 });
});
