import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { FrameLocator, Page } from 'playwright-core';
import {
  REPO,
  QUICK_PICK_ROW,
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
  fs.writeFileSync(
    path.join(run, 'run.json'),
    JSON.stringify({
      name: 'late-fusion',
      fusion: 'late',
      modalityNames: ['audio', 'visual'],
      classNames: ['negative', 'positive'],
    }),
  );
  // A manifest whose sample i is line i + 1 of notes.txt: the explorer opens it there.
  const lines = Array.from({ length: 600 }, (_, i) => `sample ${i}`);
  fs.writeFileSync(path.join(run, 'notes.txt'), lines.join('\n') + '\n');
  const manifest = lines.map((_, i) => JSON.stringify({ id: i, sources: [`notes.txt#L${i + 1}`] }));
  fs.writeFileSync(path.join(run, 'samples.jsonl'), manifest.join('\n') + '\n');
  for (const e of [1, 2]) synth(path.join(run, `epoch-000${e}.safetensors`), e === 1 ? 'or' : 'xor', 600, e);
  return dir;
}

/** A synthetic dump written by the CLI (to a temporary name, then renamed, as a training loop would). */
function synth(out: string, set: string, n: number, seed: number): void {
  // Outside the watched root (same file system, /tmp), with the extension that picks the format.
  const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lsmi-e2e-synth-')), path.basename(out));
  execFileSync(process.execPath, [CLI, 'synth', set, '--n', String(n), '--seed', String(seed), '--out', tmp]);
  fs.renameSync(tmp, out);
  fs.rmSync(path.dirname(tmp), { recursive: true });
}

const treeRows = () => wb.page.locator('.monaco-list[aria-label="Runs"] .monaco-list-row[role="treeitem"]');
const statusItem = () => wb.page.locator('.statusbar-item', { hasText: 'LSMI' }).first();
/** Picks the quick-pick row that contains `text`. */
async function pick(page: Page, text: string): Promise<void> {
  const row = page.locator(QUICK_PICK_ROW, { hasText: text }).first();
  await row.waitFor({ timeout: 20_000 });
  await row.click();
}

/** The webview frame (of the first few) that holds `selector`: hidden panels keep their frames. */
async function frameWith(page: Page, selector: string, timeoutMs = 60_000): Promise<FrameLocator> {
  let found: FrameLocator | undefined;
  await until(
    `a webview with ${selector}`,
    async () => {
      for (let i = 0; i < 4 && !found; i++)
        if (
          (await webviewFrame(page, i)
            .locator(selector)
            .count()
            .catch(() => 0)) > 0
        )
          found = webviewFrame(page, i);
      return !!found;
    },
    timeoutMs,
  );
  return found!;
}

/** The editor group (0-based, in DOM order) holding a tab with this title, or -1. */
async function groupOf(title: string): Promise<number> {
  const groups = wb.page.locator('.editor-group-container');
  for (let g = 0; g < (await groups.count()); g++)
    if ((await groups.nth(g).locator('.tab', { hasText: title }).count()) > 0) return g;
  return -1;
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
  // run.json's names reach the panel: U1 and U2 by modality, and the values' source.
  assert.match(text, /U1 \(audio\)/, 'U1 named by its modality');
  assert.match(text, /U2 \(visual\)/, 'U2 named by its modality');
  assert.match(text, /negative/, 'class names from run.json');
  assert.match(text, /probes/, 'the values are marked as coming from probes (the dumps have no logits)');
});

test('clicking an analyzed checkpoint in the Runs view opens its sample explorer', async () => {
  const { page } = wb;
  const rows = treeRows();
  await rows
    .filter({ hasText: /epoch 2/i })
    .first()
    .click();
  await page.locator('.tabs-container .tab', { hasText: 'LSMI Samples' }).first().waitFor({ timeout: 30_000 });
});

test('Enter on a sample opens its source beside the explorer, at its line', async () => {
  const { page } = wb;
  const frame = await frameWith(page, '[role="grid"][aria-label="Samples"]');
  const grid = frame.locator('[role="grid"][aria-label="Samples"]');
  const first = grid.locator('[role="row"]').first();
  const index = Number(await first.locator('[role="gridcell"]').first().innerText());
  assert.ok(Number.isInteger(index) && index >= 0 && index < 600, `first row's sample index: ${index}`);
  await grid.focus();
  await page.keyboard.press('Home');
  await page.keyboard.press('Enter');
  await until('notes.txt in an editor tab', async () => (await groupOf('notes.txt')) >= 0, 30_000);
  const explorer = await groupOf('LSMI Samples');
  const source = await groupOf('notes.txt');
  assert.ok(explorer >= 0 && source !== explorer, `opened beside (explorer in group ${explorer}, file in ${source})`);
  await until(
    `the cursor on line ${index + 1}`,
    async () => (await page.locator('.statusbar-item', { hasText: `Ln ${index + 1},` }).count()) > 0,
    20_000,
  );
});

test('Compare Checkpoints draws both checkpoints in the compare panel', async () => {
  const { page } = wb;
  await runCommand(page, 'LSMI: Compare Checkpoints');
  const rows = page.locator(QUICK_PICK_ROW);
  await until('two checkpoints to pick', async () => (await rows.count()) >= 2, 20_000);
  // A multi-select pick: each row's checkbox (a custom toggle in VS Code 1.100) ticks it.
  for (const k of [0, 1]) await rows.nth(k).locator('.monaco-checkbox, input[type="checkbox"]').first().click();
  await page.keyboard.press('Enter');
  await page.locator('.tabs-container .tab', { hasText: 'LSMI Compare' }).first().waitFor({ timeout: 30_000 });
  // The compare panel is the newest webview: look for the frame whose body names A and B.
  // The pick lists checkpoints in run order, so A is epoch 1 whatever order they were found in.
  const seen: string[] = [];
  await until(
    'the compare panel drawing A (epoch 1) and B (epoch 2)',
    async () => {
      seen.length = 0;
      for (let i = 0; i < 6; i++) {
        const body = webviewFrame(page, i).locator('body');
        if (!(await body.count().catch(() => 0))) continue;
        const text = await body.innerText({ timeout: 2000 }).catch(() => '');
        seen.push(`frame ${i}: ${text.slice(0, 160).replace(/\s+/g, ' ')}`);
        if (/A: [^\n]*epoch 1(?!\d)/.test(text) && /B: [^\n]*epoch 2(?!\d)/.test(text)) return true;
      }
      return false;
    },
    60_000,
  ).catch((e: Error) => {
    throw new Error(`${e.message}; the webviews showed:\n${seen.join('\n')}`);
  });
});

test('a checkpoint written while VS Code runs appears, shows progress, and gets analyzed', async () => {
  const run = path.join(workspace, 'runs', 'late-fusion');
  synth(path.join(run, 'epoch-0003.safetensors'), 'and', 4000, 3);
  await until(
    'the epoch 3 row',
    async () => (await treeRows().allTextContents()).some((t) => /epoch 3/i.test(t)),
    60_000,
  );
  await until('progress in the status bar', async () => /\d+%/.test(await statusItem().innerText()), 120_000);
  await until(
    'S on the epoch 3 row',
    async () => (await treeRows().allTextContents()).some((t) => /epoch 3/i.test(t) && /S \d/.test(t)),
    240_000,
  );
});

test('Cancel Analysis stops the running analysis', async () => {
  const run = path.join(workspace, 'runs', 'late-fusion');
  synth(path.join(run, 'epoch-0004.safetensors'), 'xor', 30000, 4);
  await until('the epoch 4 analysis under way', async () => /\d+%/.test(await statusItem().innerText()), 120_000);
  await runCommand(wb.page, 'LSMI: Cancel Analysis');
  await until(
    'the epoch 4 row cancelled',
    async () => (await treeRows().allTextContents()).some((t) => /epoch 4/i.test(t) && /cancelled/.test(t)),
    60_000,
  );
  await until('the status bar idle', async () => /idle/.test(await statusItem().innerText()), 30_000);
  await until('status.json recording epoch 4 as cancelled', () => {
    const recs = JSON.parse(fs.readFileSync(path.join(workspace, 'runs', '.lsmi', 'status.json'), 'utf8')) as {
      file: string;
      state: string;
    }[];
    return recs.find((r) => r.file.endsWith('epoch-0004.safetensors'))?.state === 'cancelled';
  });
});

test('Choose Value Source for Run writes run.json and the run is analyzed again with it', async () => {
  const { page } = wb;
  const runJson = path.join(workspace, 'runs', 'late-fusion', 'run.json');
  await runCommand(page, 'LSMI: Choose Value Source for Run');
  await pick(page, 'late-fusion');
  await pick(page, 'Probes trained by LSMI Lens');
  await until(
    'run.json with source probes',
    () => JSON.parse(fs.readFileSync(runJson, 'utf8')).source === 'probes',
    20_000,
  );
  const cfg = JSON.parse(fs.readFileSync(runJson, 'utf8'));
  assert.deepEqual(cfg.classNames, ['negative', 'positive'], 'the other keys are kept');
  // New settings (useLogits off for this run), new results: its done checkpoints are analyzed again.
  await until('progress in the status bar', async () => /\d+%/.test(await statusItem().innerText()), 120_000);
  await until('the status bar idle', async () => /idle/.test(await statusItem().innerText()), 240_000);
  // The tree redraws after the status bar: wait for its rows rather than read them once (a run
  // once read "epoch 1 running" here while the pipeline was already idle).
  let rows: string[] = [];
  const analyzed = async () => {
    rows = await treeRows().allTextContents();
    return rows.filter((t) => /epoch [123]/i.test(t) && /S \d/.test(t)).length >= 3;
  };
  await until('epochs 1-3 analyzed again', analyzed, 30_000).catch(() => assert.fail(rows.join(' | ')));
});

test('open panels come back after the window reloads', async () => {
  const { page } = wb;
  await page.reload();
  await page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
  for (const title of ['LSMI Dashboard', 'LSMI Samples', 'LSMI Compare'])
    await page.locator('.tabs-container .tab', { hasText: title }).first().waitFor({ timeout: 60_000 });
  // The visible panel draws again from the restored state (the extension host is new).
  await page.locator('.tabs-container .tab', { hasText: 'LSMI Dashboard' }).first().click();
  await until(
    'the restored dashboard naming the run',
    async () => {
      for (let i = 0; i < 4; i++) {
        const text = await webviewFrame(page, i)
          .locator('body')
          .innerText({ timeout: 2000 })
          .catch(() => '');
        if (/late-fusion/.test(text) && /R|U1|S/.test(text)) return true;
      }
      return false;
    },
    90_000,
  );
});
