/**
 * Accessibility audit of every panel in a real Chromium, in the light, dark and high-contrast
 * themes: every control (Chromium's accessibility tree, shadow roots included) has a name that
 * says what it does, every enabled control is reached by Tab (the samples grid is one Tab stop,
 * its rows are reached with arrow keys; a tablist's tabs share one), and in high contrast each
 * Tab stop shows a focus indicator (outline, box shadow or focus-coloured border, on it or on
 * its web component's parts) in the theme's focus colour. The dashboard, the sample explorer,
 * the compare panel and the static report (each of its tabs) are audited with every control on
 * screen; a self-check shows the audit flags each kind of problem.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { CDPSession, Page } from 'playwright-core';
import type { HostToWebview, RunSeries, SampleData } from '../src/shared/protocol';
import { Rng } from '../src/core/rng';
import { DARK_THEME, openPanel, posted, setTheme, sharedBrowser } from './webview-page';

// Page-side callbacks run in the browser: these names exist there, not in Node's types.
interface PageEl {
  tagName: string;
  tabIndex: number;
  shadowRoot: PageRoot | null;
  textContent: string | null;
  getAttribute(name: string): string | null;
  setAttribute(name: string, value: string): void;
  getRootNode(): PageRoot;
  getBoundingClientRect(): { width: number; height: number };
  append(...nodes: PageEl[]): void;
  remove(): void;
  style: Record<string, string>;
}
interface PageRoot {
  host?: PageEl;
  activeElement: PageEl | null;
  querySelectorAll(selector: string): ArrayLike<PageEl>;
}
/**
 * A Tab stop as the page saw it: an id per element, what it is, the focus indicator found ('' for
 * none), and whether that is in the theme's focus colour.
 */
interface Stop {
  id: number;
  desc: string;
  ring: string;
  themed: boolean;
}
interface Audit {
  probe(ring: boolean): Stop | undefined;
  node(e: PageEl): { desc: string; stop: number; tabIndex: number };
  reset(): void;
}
declare const window: {
  __a11y: Audit;
  postMessage(m: unknown, origin: string): void;
  requestAnimationFrame(f: () => void): void;
};
declare const document: PageRoot & {
  body: PageEl;
  createElement(tag: string): PageEl;
};
declare function getComputedStyle(e: PageEl): Record<string, string>;

const { missing, browser } = sharedBrowser('webview accessibility audit');

/** VS Code's high-contrast (dark) theme variables, as a webview in that theme has them. */
const HC_THEME: Record<string, string> = {
  '--vscode-editor-background': '#000000',
  '--vscode-editor-foreground': '#ffffff',
  '--vscode-foreground': '#ffffff',
  '--vscode-descriptionForeground': '#ffffff',
  '--vscode-editorWidget-border': '#6fc3df',
  '--vscode-contrastBorder': '#6fc3df',
  '--vscode-contrastActiveBorder': '#f38518',
  '--vscode-focusBorder': '#f38518',
  '--vscode-charts-blue': '#3794ff',
  '--vscode-charts-orange': '#d18616',
  '--vscode-charts-green': '#89d185',
  '--vscode-charts-purple': '#b180d7',
  '--vscode-charts-red': '#f14c4c',
  '--vscode-charts-yellow': '#ffd700',
  '--vscode-terminal-ansiCyan': '#11a8cd',
};

type Theme = { name: string; apply?: (page: Page) => Promise<void> };
const THEMES: Theme[] = [
  { name: 'light' },
  { name: 'dark', apply: (page) => setTheme(page, DARK_THEME) },
  { name: 'high contrast', apply: (page) => setTheme(page, HC_THEME, 'vscode-high-contrast') },
];

/** Roles of controls: each needs a name, and (enabled) a Tab stop. Any other focusable node is audited too. */
const INTERACTIVE = new Set([
  'button',
  'checkbox',
  'combobox',
  'listbox',
  'textbox',
  'spinbutton',
  'link',
  'tab',
  'grid',
  'slider',
  'radio',
  'menuitem',
  'switch',
  'searchbox',
]);
/** Focusable nodes that are not controls of their own: the page, and a native select's options. */
const NOT_CONTROLS = new Set(['RootWebArea', 'option', 'MenuListPopup', 'MenuListOption']);
/** Names that say nothing of what a control does. */
const GENERIC = new Set([
  'button',
  'checkbox',
  'combobox',
  'select',
  'textbox',
  'text',
  'input',
  'edit',
  'link',
  'tab',
  'image',
  'graphic',
  'canvas',
  'svg',
  'png',
  'csv',
  'json',
  'on',
  'off',
  'ok',
  'x',
  'click',
  'click here',
  'more',
  'undefined',
  'null',
]);

/** Why a control's name says nothing of what it does, or '' when it says something. */
function badName(role: string, name: string): string {
  const n = name.trim().toLowerCase();
  if (!n) return 'no name';
  if (/^[\d\s.,:;+\-−–%()[\]]*$/.test(n)) return 'only a number';
  if (n === role.toLowerCase() || GENERIC.has(n)) return 'a generic name';
  return '';
}

/** Installs the page side of the audit: Tab stop probe (deep active element, focus indicator) and node descriptions. */
function installAudit(): void {
  let reached = new WeakMap<PageEl, number>();
  let next = 0;
  /** tag.class[label], with the shadow hosts it is inside: `vscode-single-select.layout-select[Layout] > div.select-face`. */
  const describe = (e: PageEl): string => {
    const cls = (e.getAttribute('class') ?? '').trim().split(/\s+/).filter(Boolean);
    const label =
      e.getAttribute('aria-label') ??
      e.getAttribute('data-label') ??
      e.getAttribute('data-run') ??
      e.getAttribute('id');
    const self = `${e.tagName.toLowerCase()}${cls.map((c) => `.${c}`).join('')}${label ? `[${label}]` : ''}`;
    const host = e.getRootNode().host;
    return host ? `${describe(host)} > ${self}` : self;
  };
  /** A theme colour variable as computed rgb(), transparent when the theme has none. */
  const color = (variable: string): string => {
    const probe = document.createElement('span');
    probe.style.color = `var(${variable}, transparent)`;
    document.body.append(probe);
    const c = getComputedStyle(probe).color;
    probe.remove();
    return c;
  };
  /**
   * The focus indicator of a focused element: an outline, a box shadow or a focus-coloured border
   * on it or on the parts of its component (visually hidden parts left out), preferably in the
   * theme's focus colours; `themed` says whether it is.
   */
  const ringOf = (a: PageEl): { ring: string; themed: boolean } => {
    const focus = color('--vscode-focusBorder');
    const themed = [focus, color('--vscode-contrastActiveBorder')].filter((c) => c !== 'rgba(0, 0, 0, 0)');
    const root = a.getRootNode();
    const els = [
      a,
      ...(root.host ? Array.from(root.querySelectorAll('*')) : []),
      ...(a.shadowRoot ? Array.from(a.shadowRoot.querySelectorAll('*')) : []),
    ];
    let other = '';
    for (const e of els) {
      const box = e.getBoundingClientRect();
      if (box.width < 2 || box.height < 2) continue;
      const cs = getComputedStyle(e);
      let what = '',
        shade = '';
      if (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0 && cs.outlineColor !== 'rgba(0, 0, 0, 0)')
        [what, shade] = [`outline ${cs.outlineStyle} ${cs.outlineColor}`, cs.outlineColor];
      else if (cs.boxShadow !== 'none') [what, shade] = [`box-shadow ${cs.boxShadow}`, cs.boxShadow];
      else if (
        ['Top', 'Right', 'Bottom', 'Left'].some(
          (side) => cs[`border${side}Color`] === focus && parseFloat(cs[`border${side}Width`]) > 0,
        )
      )
        [what, shade] = ['focus-coloured border', focus];
      if (!what) continue;
      const ring = `${what} on ${describe(e)}`;
      if (themed.some((c) => shade.includes(c))) return { ring, themed: true };
      other ||= ring;
    }
    return { ring: other, themed: false };
  };
  window.__a11y = {
    probe: (ring) => {
      let a = document.activeElement;
      if (!a || a === document.body) return undefined;
      while (a.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
      let id = reached.get(a);
      if (id === undefined) reached.set(a, (id = ++next));
      return { id, desc: describe(a), ...(ring ? ringOf(a) : { ring: '', themed: false }) };
    },
    node: (e) => ({ desc: describe(e), stop: reached.get(e) ?? 0, tabIndex: e.tabIndex }),
    reset: () => {
      reached = new WeakMap();
    },
  };
}

/** A control found in the accessibility tree: what it is, its name, and which Tab stop (0: none) it is. */
interface Control {
  role: string;
  name: string;
  desc: string;
  stop: number;
  needsStop: boolean;
  /** AX id of the parent: tabs of one tablist share a Tab stop (arrow keys move between them) */
  parent: string;
}

/** Every control of the page from Chromium's accessibility tree (it pierces shadow roots), rows of the grid left out. */
async function axControls(cdp: CDPSession): Promise<Control[]> {
  const { nodes } = await cdp.send('Accessibility.getFullAXTree');
  const byId = new Map(nodes.map((n) => [n.nodeId, n]));
  const parent = new Map<string, string>();
  for (const n of nodes) for (const c of n.childIds ?? []) parent.set(c, n.nodeId);
  const roleOf = (id: string | undefined) => String(byId.get(id ?? '')?.role?.value ?? '');
  // The grid is one Tab stop by design: its rows are moved between with arrow keys.
  const inGrid = (id: string) => {
    for (let p = parent.get(id); p; p = parent.get(p)) if (roleOf(p) === 'grid') return true;
    return false;
  };
  const out: Control[] = [];
  for (const n of nodes) {
    if (n.ignored || n.backendDOMNodeId === undefined) continue;
    const role = roleOf(n.nodeId);
    const prop = (k: string) => n.properties?.find((p) => p.name === k)?.value.value;
    if (NOT_CONTROLS.has(role) || !(INTERACTIVE.has(role) || prop('focusable') === true) || inGrid(n.nodeId)) continue;
    const { object } = await cdp.send('DOM.resolveNode', { backendNodeId: n.backendDOMNodeId, objectGroup: 'a11y' });
    const { result } = await cdp.send('Runtime.callFunctionOn', {
      objectId: object.objectId,
      functionDeclaration: 'function () { return window.__a11y.node(this); }',
      returnByValue: true,
    });
    const { desc, stop, tabIndex } = result.value as { desc: string; stop: number; tabIndex: number };
    out.push({
      role,
      name: String(n.name?.value ?? ''),
      desc,
      stop,
      // A control needs a Tab stop; any other focusable element, when it asks for one (tabindex >= 0).
      needsStop: prop('disabled') !== true && (INTERACTIVE.has(role) || tabIndex >= 0),
      parent: parent.get(n.nodeId) ?? '',
    });
  }
  await cdp.send('Runtime.releaseObjectGroup', { objectGroup: 'a11y' });
  return out;
}

/** Most Tab presses before the audit gives up waiting for focus to come back round. */
const MAX_TABS = 200;

/** A key press as the keyboard sends it (through the protocol: Playwright's press waits for more than it needs). */
const TAB = { key: 'Tab', code: 'Tab', windowsVirtualKeyCode: 9 };

/**
 * Presses Tab until focus comes back to the first stop: the stops in order (with their focus
 * indicators when `rings`), and whether it cycled.
 */
async function tabCycle(page: Page, cdp: CDPSession, rings: boolean): Promise<{ stops: Stop[]; cycled: boolean }> {
  await page.evaluate(() => window.__a11y.reset());
  const stops: Stop[] = [];
  for (let i = 0; i < MAX_TABS; i++) {
    await Promise.all([
      cdp.send('Input.dispatchKeyEvent', { type: 'rawKeyDown', ...TAB }),
      cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', ...TAB }),
    ]);
    const s = await page.evaluate((r) => window.__a11y.probe(r), rings);
    if (!s) continue;
    if (stops.length && s.id === stops[0].id) return { stops, cycled: true };
    stops.push(s);
  }
  return { stops, cycled: false };
}

/** The problems of a page in its current theme, one line each, and its Tab stops in order. */
async function auditPage(page: Page, cdp: CDPSession, theme: string): Promise<{ problems: string[]; stops: Stop[] }> {
  const hc = theme.startsWith('high contrast');
  const { stops, cycled } = await tabCycle(page, cdp, hc);
  const controls = await axControls(cdp);
  const problems: string[] = [];
  const at = (c: Control) => `${c.role} "${c.name}" (${c.desc})`;
  for (const c of controls) {
    const why = badName(c.role, c.name);
    if (why) problems.push(`[${theme}] ${why}: ${at(c)}`);
  }
  // Tabs of one tablist: one Tab stop, the selected tab's (a roving tabindex).
  const tablists = new Set(controls.filter((c) => c.role === 'tab' && c.stop).map((c) => c.parent));
  for (const c of controls)
    if (c.needsStop && !c.stop && !(c.role === 'tab' && tablists.has(c.parent)))
      problems.push(`[${theme}] not reached by Tab: ${at(c)}`);
  const exposed = new Set(controls.map((c) => c.stop));
  for (const s of stops) {
    if (!exposed.has(s.id)) problems.push(`[${theme}] Tab stop without a role or name for assistive tech: ${s.desc}`);
    if (hc && !s.ring) problems.push(`[${theme}] no visible focus indicator: ${s.desc}`);
    else if (hc && !s.themed)
      problems.push(`[${theme}] focus indicator not in the theme's focus colour: ${s.desc}: ${s.ring}`);
  }
  if (!cycled) problems.push(`[${theme}] focus did not come back round within ${MAX_TABS} Tab presses`);
  return { problems, stops };
}

/** Waits for the panel to redraw (a theme switch redraws the canvases' panels). */
const settle = (page: Page) =>
  page.evaluate(() => new Promise<void>((r) => window.requestAnimationFrame(() => window.requestAnimationFrame(r))));

/**
 * Audits a page in each theme, and in each of its `sections` (`prepare` shows one with every
 * control on screen); returns every problem found, a line per audit saying what was audited,
 * and each audit's Tab stops (what they are).
 */
async function auditThemes(
  page: Page,
  prepare: (section: string) => Promise<void> = async () => undefined,
  sections: string[] = [''],
): Promise<{ problems: string[]; summary: string[]; stops: Map<string, string[]> }> {
  await page.evaluate(installAudit);
  const cdp = await page.context().newCDPSession(page);
  const problems: string[] = [],
    summary: string[] = [],
    stops = new Map<string, string[]>();
  for (const theme of THEMES) {
    await theme.apply?.(page);
    await settle(page);
    for (const section of sections) {
      const label = section ? `${theme.name}, ${section}` : theme.name;
      await prepare(section);
      await settle(page);
      const r = await auditPage(page, cdp, label);
      problems.push(...r.problems);
      summary.push(`${label}: ${r.stops.length} Tab stops`);
      stops.set(
        label,
        r.stops.map((x) => x.desc),
      );
    }
  }
  await cdp.detach();
  return { problems, summary, stops };
}

/** Asserts that each audit (of `section`) met, as Tab stops, `want[k]` elements whose description starts with `k`. */
function assertStops(stops: Map<string, string[]>, want: Record<string, number>, section = ''): void {
  for (const [label, descs] of stops)
    for (const [start, n] of Object.entries(want))
      if (label.endsWith(section))
        assert.equal(descs.filter((d) => d.startsWith(start)).length, n, `${label}: Tab stops ${start}…`);
}

const report = (what: string, problems: string[]) =>
  `${what}: ${problems.length} accessibility problem(s):\n  ${problems.join('\n  ')}`;

// ---------------------------------------------------------------------------------------------
// Data: a few runs with intervals and several checkpoints; two checkpoints of samples with ids.

const T0 = Date.UTC(2026, 10, 20, 9, 0);
const HOUR = 3600_000;

const RUNS: RunSeries[] = ['late-fusion', 'early-fusion', 'tensor-fusion'].map((run, r) => ({
  run,
  name: run,
  fusion: ['late', 'early', 'tensor'][r],
  modalityNames: ['audio', 'video'] as [string, string],
  points: Array.from({ length: 3 }, (_, e) => {
    const S = 0.1 + 0.05 * e + 0.05 * r;
    return {
      file: `/runs/${run}/epoch-${e + 1}.safetensors`,
      epoch: e + 1,
      step: (e + 1) * 100,
      time: T0 + (e * 24 + r) * HOUR,
      R: 0.4 - 0.05 * e,
      U1: 0.1,
      U2: 0.05,
      S,
      intervals: { level: 0.9, R: [0.3, 0.5], U1: [0.05, 0.15], U2: [0, 0.1], S: [S - 0.03, S + 0.03] },
      source: 'logits' as const,
      info: { I1: 0.5, I2: 0.3, I12: 0.9 + 0.1 * e },
      accuracy: { x1: 0.6, x2: 0.5, x12: 0.7 + 0.05 * e },
    };
  }),
}));

/** `n` samples of three named classes with ids, at `epoch` of late-fusion. */
function samples(n: number, epoch: number): SampleData {
  const rng = new Rng(epoch);
  const v = () => Float32Array.from({ length: n }, () => rng.next());
  return {
    run: 'late-fusion',
    file: `/runs/late-fusion/epoch-${epoch}.safetensors`,
    epoch,
    n,
    r: v(),
    u1: v(),
    u2: v(),
    s: v(),
    y: Int32Array.from({ length: n }, (_, i) => i % 3),
    ids: Float64Array.from({ length: n }, (_, i) => 1000 + i),
    classNames: ['cat', 'dog', 'bird'],
    modalityNames: ['audio', 'video'],
    source: 'logits',
    perClass: [0, 1, 2].map((c) => ({ class: c, n: n / 3, R: 0.1, U1: 0.1, U2: 0.1, S: 0.1 })),
    dataset: { R: 0.1, U1: 0.1, U2: 0.1, S: 0.1 },
  };
}

/** Drags across the box of `selector` from fractions (ax, ay) to (bx, by) of its size. */
async function drag(page: Page, selector: string, [ax, ay]: number[], [bx, by]: number[]): Promise<void> {
  const box = (await page.locator(selector).first().boundingBox())!;
  await page.mouse.move(box.x + ax * box.width, box.y + ay * box.height);
  await page.mouse.down();
  await page.mouse.move(box.x + ((ax + bx) / 2) * box.width, box.y + ((ay + by) / 2) * box.height, { steps: 3 });
  await page.mouse.move(box.x + bx * box.width, box.y + by * box.height, { steps: 3 });
  await page.mouse.up();
}

/** Zooms the dashboard (under `root`) so "Reset zoom" is enabled. */
async function zoomDashboard(page: Page, root = ''): Promise<void> {
  if (await page.locator(`${root} vscode-button.reset-zoom:not([disabled])`).count()) return;
  await drag(page, `${root} .chart[data-interaction="R"] svg`, [0.3, 0.5], [0.9, 0.5]);
  await page.locator(`${root} vscode-button.reset-zoom:not([disabled])`).waitFor();
}

/**
 * Brushes most of the explorer's scatter (under `root`), so "Clear selection" shows, then
 * selects the first row shown, so its details show.
 */
async function brushAndSelect(page: Page, root = ''): Promise<void> {
  await drag(page, `${root} .scatter canvas.brush`, [0.1, 0.1], [0.9, 0.9]);
  await page.locator(`${root} vscode-button.clear-selection`).waitFor();
  await page.locator(`${root} .tr`).first().click();
  await page
    .locator(`${root} .sample-detail h2`)
    .filter({ hasText: /^Sample \d+$/ })
    .waitFor();
}

const DASHBOARD_STOPS = {
  'input.run-filter': 1,
  'vscode-button.select-all': 1,
  'vscode-single-select.layout-select': 1,
  'select.x-axis-select': 1,
  'vscode-checkbox.show-intervals': 1,
  'vscode-button.reset-zoom': 1,
  'vscode-button.download-png': 10,
  'vscode-button.download-svg': 10,
  'svg[': 10,
  // Zoomed to steps 200 and 300 (Reset zoom enabled): 3 runs x 2 checkpoints on each of 10 charts.
  'circle.point': 60,
};
const EXPLORER_STOPS = {
  'vscode-single-select.axis-x': 1,
  'canvas.brush': 1,
  'vscode-button.clear-selection': 1,
  'vscode-textfield.quantile': 1,
  'button.th': 8,
  'div.viewport': 1,
};
const COMPARE_STOPS = { 'vscode-single-select.pair-by': 1, 'vscode-single-select.interaction': 1, 'tr.moved-row': 20 };

test('the dashboard: named controls, all reached by Tab, focus shown', { skip: missing }, async (t) => {
  const init: HostToWebview = { type: 'init', view: 'dashboard', title: 'Runs', runs: RUNS };
  const { page, errors } = await openPanel(browser(), 'dashboard', [init], '.chart svg', 1280);
  const { problems, summary, stops } = await auditThemes(page, () => zoomDashboard(page));
  // Every control the brief names was there to audit.
  for (const [role, name] of [
    ['searchbox', 'Filter runs'],
    ['button', 'Select all'],
    ['button', 'Select none'],
    ['checkbox', 'Show intervals'],
    ['button', 'Reset zoom'],
    ['combobox', 'X axis'],
    ['slider', 'Smoothing'],
  ] as const)
    assert.equal(await page.getByRole(role, { name, exact: true }).count(), 1, name);
  assert.equal(await page.locator('vscode-button.download-png').count(), 10);
  assert.equal(await page.locator('vscode-single-select.layout-select').count(), 1);
  t.diagnostic(summary.join('; '));
  assertStops(stops, DASHBOARD_STOPS);
  assert.deepEqual(errors, []);
  await page.close();
  assert.equal(problems.length, 0, report('dashboard', problems));
});

test('the sample explorer: named controls, all reached by Tab, focus shown', { skip: missing }, async (t) => {
  const d = samples(300, 3);
  const init: HostToWebview = { type: 'init', view: 'samples', title: 'Samples', data: d };
  const { page, errors } = await openPanel(browser(), 'samples', [init], '.tr', 1280);
  // A brushed selection (Clear selection shows), then a selected row with its trajectory and preview.
  await brushAndSelect(page);
  const asked = (await posted(page)).find((m) => m.type === 'trajectory') as { file: string; index: number };
  await page.evaluate(
    ({ file, index }) => {
      const points = [1, 2, 3].map((epoch) => ({ file: `e${epoch}`, epoch, r: 0.1 * epoch, u1: 0.1, u2: 0.2, s: 0.3 }));
      window.postMessage({ type: 'trajectory', file, index, points }, '*');
      window.postMessage({ type: 'preview', file, index, text: 'a cat, meowing' }, '*');
    },
    { file: asked.file, index: asked.index },
  );
  await page.locator('.sample-detail .trajectory svg').waitFor();
  assert.equal(await page.locator('.thead .th[data-col="id"]').count(), 1, 'the id column');
  const { problems, summary, stops } = await auditThemes(page);
  assert.equal(await page.locator('.sample-detail .trajectory svg').count(), 1, 'the details stayed through the audit');
  assert.ok(await page.locator('vscode-button.clear-selection').isVisible(), 'and the brushed selection');
  t.diagnostic(summary.join('; '));
  assertStops(stops, EXPLORER_STOPS);
  assert.deepEqual(errors, []);
  await page.close();
  assert.equal(problems.length, 0, report('sample explorer', problems));
});

test('the compare panel: named controls, all reached by Tab, focus shown', { skip: missing }, async (t) => {
  const init: HostToWebview = {
    type: 'init',
    view: 'compare',
    title: 'Compare',
    a: samples(240, 1),
    b: samples(240, 2),
  };
  const { page, errors } = await openPanel(browser(), 'compare', [init], '.pairing', 1200);
  assert.equal(await page.locator('.moved-row').count(), 20);
  const { problems, summary, stops } = await auditThemes(page);
  t.diagnostic(summary.join('; '));
  assertStops(stops, COMPARE_STOPS);
  assert.deepEqual(errors, []);
  await page.close();
  assert.equal(problems.length, 0, report('compare panel', problems));
});

test('the static report, each tab: named controls, all reached by Tab, focus shown', { skip: missing }, async (t) => {
  const checkpoints = [samples(240, 1), samples(240, 3)];
  const init: HostToWebview = { type: 'init', view: 'report', title: 'Report', runs: RUNS, checkpoints };
  const { page, errors } = await openPanel(browser(), 'report', [init], '.panel-dashboard .chart svg', 1280);
  const show = async (tab: string) => {
    await page.click(`vscode-tab-header[data-tab="${tab}"]`);
    await page.locator(`vscode-tab-panel[data-tab="${tab}"]:not([hidden])`).waitFor();
    if (tab === 'dashboard') await zoomDashboard(page, '.panel-dashboard');
    if (tab === 'samples') {
      await page.locator('.panel-samples .tr').first().waitFor();
      await brushAndSelect(page, '.panel-samples');
      await page.locator('.panel-samples .trajectory svg').waitFor();
    }
    if (tab === 'compare') await page.locator('.panel-compare .pairing').waitFor();
  };
  const { problems, summary, stops } = await auditThemes(page, show, ['dashboard', 'samples', 'compare']);
  t.diagnostic(summary.join('; '));
  assertStops(stops, { 'vscode-tab-header': 1 });
  assertStops(stops, DASHBOARD_STOPS, 'dashboard');
  assertStops(stops, { ...EXPLORER_STOPS, 'vscode-single-select.pick-checkpoint': 1 }, 'samples');
  assertStops(stops, { ...COMPARE_STOPS, 'vscode-single-select.pick-a': 1 }, 'compare');
  assert.deepEqual(errors, []);
  await page.close();
  assert.equal(problems.length, 0, report('static report', problems));
});

test('self-check: the audit flags a nameless button, an unreachable control and a hidden focus ring', async (t) => {
  if (missing) return t.skip(missing);
  const init: HostToWebview = { type: 'init', view: 'compare', title: 'Compare', a: samples(60, 1), b: samples(60, 2) };
  const { page } = await openPanel(browser(), 'compare', [init], '.pairing');
  await page.evaluate(() => {
    const add = (tag: string, cls: string, text: string, attrs: Record<string, string> = {}) => {
      const e = document.createElement(tag);
      e.setAttribute('class', cls);
      for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
      e.textContent = text;
      document.body.append(e);
      return e;
    };
    add('button', 'audit-nameless', '');
    add('vscode-button', 'audit-nameless-component', '');
    add('div', 'audit-unreachable', 'Apply the filter', { role: 'button' });
    add('button', 'audit-no-ring', 'Apply the ring').style.outline = 'none';
    add('button', 'audit-number', '42');
    add('button', 'audit-red-ring', 'Apply the red').style.outline = '2px solid rgb(255, 0, 0)';
    add('div', 'audit-hidden-stop', 'Apply the hidden', { tabindex: '0', 'aria-hidden': 'true' });
  });
  await page.evaluate(installAudit);
  const cdp = await page.context().newCDPSession(page);
  await setTheme(page, HC_THEME, 'vscode-high-contrast');
  await settle(page);
  const { problems } = await auditPage(page, cdp, 'high contrast');
  await cdp.detach();
  const flagged = (what: string, cls: string) => problems.some((p) => p.includes(what) && p.includes(cls));
  assert.ok(flagged('no name: button ""', '(button.audit-nameless)'), problems.join('\n'));
  assert.ok(flagged('no name: button ""', '(vscode-button.audit-nameless-component)'), problems.join('\n'));
  assert.ok(flagged('only a number: button "42"', 'audit-number'), problems.join('\n'));
  assert.ok(flagged('not reached by Tab: button "Apply the filter"', 'div.audit-unreachable'), problems.join('\n'));
  assert.ok(flagged('no visible focus indicator', 'button.audit-no-ring'), problems.join('\n'));
  assert.ok(flagged("not in the theme's focus colour", 'button.audit-red-ring'), problems.join('\n'));
  assert.ok(flagged('Tab stop without a role or name', 'div.audit-hidden-stop'), problems.join('\n'));
  assert.ok(
    !problems.some((p) => p.includes('(button.audit-nameless)') && p.includes('focus')),
    "a ring in the theme's colour is not flagged",
  );
  await page.close();
});
