/**
 * Panel fluidity at the sizes users have (10 runs x 100 checkpoints; 100,000 samples), in
 * Debian's Chromium: milliseconds from an interaction to the redrawn, laid-out page, against
 * a 100 ms budget (the limit under which a response feels immediate). Each figure is the
 * median of 5 repetitions in one run.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { chromium, Page } from 'playwright-core';
import { PageName, panelHtml } from '../src/report/html';
import type { HostToWebview, RunSeries, SampleData } from '../src/shared/protocol';
import { Rng } from '../src/core/rng';
import { CHROMIUM, CHROMIUM_FLAGS as FLAGS } from '../test/chromium';
import { explorerFrames } from './webview-frames';

const BUDGET_MS = 100;

// In-page code: the names exist in the browser, not in Node's types.
declare const document: { querySelector(s: string): PageEl; body: { offsetHeight: number } };
declare const window: { dispatchEvent(e: unknown): void };
declare class MessageEvent {
  constructor(type: string, init: { data: unknown });
}
declare class Event {
  constructor(type: string);
}
interface PageEl {
  click(): void;
  value: string;
  scrollTop: number;
  scrollHeight: number;
  dispatchEvent(e: unknown): void;
}
declare const performance: { now(): number };

function runs(nRuns: number, nCkpt: number): RunSeries[] {
  const rng = new Rng(1);
  return Array.from({ length: nRuns }, (_, r) => ({
    run: `run-${r}`,
    name: `fusion-${r}`,
    fusion: `config ${r}`,
    points: Array.from({ length: nCkpt }, (_, e) => ({
      file: `/runs/run-${r}/epoch-${e}.safetensors`,
      epoch: e,
      R: 0.5 * Math.exp(-e / 40) + 0.02 * rng.next(),
      U1: 0.1 + 0.001 * e,
      U2: 0.05 * rng.next(),
      S: 0.002 * e + 0.02 * rng.next(),
    })),
  }));
}

function samples(n: number): SampleData {
  const rng = new Rng(2);
  const y = Int32Array.from({ length: n }, () => rng.int(10));
  const f = () => Float32Array.from({ length: n }, () => rng.next() * 0.4);
  const perClass = Array.from({ length: 10 }, (_, c) => ({
    class: c,
    n: n / 10,
    R: 0.2,
    U1: 0.1,
    U2: 0.1,
    S: 0.05 * c,
  }));
  return {
    run: 'run-0',
    file: '/runs/run-0/epoch-99.safetensors',
    epoch: 99,
    n,
    r: f(),
    u1: f(),
    u2: f(),
    s: f(),
    y,
    perClass,
    dataset: { R: 0.2, U1: 0.1, U2: 0.1, S: 0.2 },
  };
}

async function open(kind: PageName, messages: HostToWebview[], ready: string): Promise<{ page: Page; loadMs: number }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsmi-bench-webview-'));
  const file = path.join(dir, `${kind}.html`);
  fs.writeFileSync(file, panelHtml(kind, messages, kind));
  const t0 = Date.now();
  await page.goto(`file://${file}`);
  await page.waitForSelector(ready);
  const loadMs = Date.now() - t0;
  page.on('close', () => void browser.close());
  return { page, loadMs };
}

/** Median ms of an in-page action, including the layout it causes (timed inside the page). */
async function time(page: Page, action: () => void, reps = 5): Promise<number> {
  // An expression string runs through DevTools, not the page's (eval-free) CSP.
  const expr = `(() => { const t = performance.now(); (${action.toString()})(); void document.body.offsetHeight; return performance.now() - t; })()`;
  const v: number[] = [];
  for (let i = 0; i < reps; i++) v.push((await page.evaluate(expr)) as number);
  return v.sort((a, b) => a - b)[Math.floor(reps / 2)];
}

const line = (what: string, ms: number) =>
  console.log(`  ${what.padEnd(58)} ${ms.toFixed(1).padStart(7)} ms (ratio ${(ms / BUDGET_MS).toFixed(2)})`);

export async function webviewBench(): Promise<void> {
  if (!fs.existsSync(CHROMIUM)) {
    console.log(`\nwebview: skipped, no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
    return;
  }
  console.log(`\nwebview fluidity in Chromium (median of 5; budget ${BUDGET_MS} ms per interaction)`);
  const series = runs(10, 100);
  const d = await open('dashboard', [{ type: 'init', view: 'dashboard', title: 'bench', runs: series }], '.chart svg');
  console.log(
    `  dashboard, 10 runs x 100 checkpoints: page load to drawn charts ${d.loadMs} ms (incl. browser start-up)`,
  );
  line(
    'dashboard: a checkpoint lands (live redraw)',
    await time(d.page, () => {
      window.dispatchEvent(
        new MessageEvent('message', {
          data: {
            type: 'checkpoint',
            run: 'run-3',
            name: 'fusion-3',
            point: { file: `/x/${performance.now()}`, epoch: 100, R: 0.1, U1: 0.1, U2: 0.1, S: 0.3 },
          },
        }),
      );
    }),
  );
  line(
    'dashboard: hide or show a run',
    await time(d.page, () => {
      const c = document.querySelector('vscode-checkbox[data-run="run-5"]') as PageEl & { checked: boolean };
      c.checked = !c.checked;
      c.dispatchEvent(new Event('change'));
    }),
  );
  line(
    'dashboard: switch overlay <-> small multiples',
    await time(d.page, () => {
      const s = document.querySelector('.layout-select');
      s.value = s.value === 'run' ? 'interaction' : 'run';
      s.dispatchEvent(new Event('change'));
    }),
  );
  await d.page.close();

  const e = await open('samples', [{ type: 'init', view: 'samples', title: 'bench', data: samples(100_000) }], '.tr');
  console.log(
    `  explorer, 100,000 samples: page load to drawn table and scatter ${e.loadMs} ms (incl. browser start-up)`,
  );
  line(
    'explorer: sort by a column (100k rows; the scatter is reused)',
    await time(e.page, () => document.querySelector('.th[data-col="s"]').click()),
  );
  line(
    'explorer: filter to one class',
    await time(e.page, () => {
      const s = document.querySelector('.filter-class');
      s.value = s.value === '3' ? 'all' : '3';
      s.dispatchEvent(new Event('change'));
    }),
  );
  line(
    'explorer: scroll a screen (virtualised rows repainted)',
    await time(e.page, () => {
      const v = document.querySelector('.viewport');
      v.scrollTop = (v.scrollTop + 600) % v.scrollHeight;
      v.dispatchEvent(new Event('scroll'));
    }),
  );
  console.log(`  (${new Date().toISOString().slice(0, 10)}, Chromium ${e.page.context().browser()?.version()})`);
  await explorerFrames(e.page);
  await e.page.close();
}

if (require.main === module) void webviewBench();
