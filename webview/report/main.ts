/**
 * The static report: the dashboard, sample explorer and compare panels on one page, in tabs,
 * fed from the data the report embeds. The panels are the ones VS Code shows; what VS Code's
 * host would do for them (open a checkpoint, write an export) is done here in the page.
 */
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import type { VscodeTabs } from '@vscode-elements/elements/dist/vscode-tabs/vscode-tabs.js';
import type { HostToWebview, RunSeries, SampleData, WebviewToHost } from '../../src/shared/protocol';
import { download, el } from '../dom';
import { Option, select as dropdown } from '../controls';
import { memoryApi, reportMessages } from '../vscode-api';
import { mountDashboard } from '../dashboard/view';
import { mountSamples } from '../samples/view';
import { mountCompare } from '../compare/view';
import { reportDetail } from './sample-detail';

type Init = Extract<HostToWebview, { view: 'report' }>;
const TABS = ['dashboard', 'samples', 'compare'] as const;
type Tab = (typeof TABS)[number];
type PerTab<T> = Record<Tab, T>;

/** The page: its tabs, and which checkpoints the explorer and the compare panel show (pickers change them). */
interface Report {
  init: Init;
  byFile: Map<string, SampleData>;
  status: HTMLElement;
  tabs: VscodeTabs;
  /** where each panel draws */
  roots: PerTab<HTMLElement>;
  /** the report's own checkpoint pickers, above the explorer and the compare panel */
  pickers: PerTab<HTMLElement>;
  options: Option[];
  current: SampleData;
  pair: [SampleData | undefined, SampleData | undefined];
  /** a sample the explorer should select when it is next drawn */
  select?: number;
  handlers: PerTab<(m: HostToWebview) => void>;
}

const labelOf = (d: SampleData, runs: RunSeries[]) =>
  `${runs.find((r) => r.run === d.run)?.name ?? d.run}${d.epoch !== undefined ? ` · epoch ${d.epoch}` : ''}`;

/** The tabs; each holds checkpoint pickers, then the root the panel draws into. */
function buildTabs(): { tabs: VscodeTabs; roots: PerTab<HTMLElement>; pickers: PerTab<HTMLElement> } {
  const tabs = document.createElement('vscode-tabs') as VscodeTabs;
  tabs.panel = true; // the look of VS Code's panel tabs: the active one underlined in the accent colour
  const perTab = (make: (t: Tab) => HTMLElement) => ({
    dashboard: make('dashboard'),
    samples: make('samples'),
    compare: make('compare'),
  });
  const roots = perTab((t) => el('div', { class: `panel-root panel-${t}` }));
  const pickers = perTab(() => el('div', { class: 'pickers' }));
  for (const [t, label] of [
    ['dashboard', 'Dashboard'],
    ['samples', 'Samples'],
    ['compare', 'Compare'],
  ] as const) {
    const header = el('vscode-tab-header' as 'div', { slot: 'header', 'data-tab': t }, label);
    const panel = el('vscode-tab-panel' as 'div', { 'data-tab': t });
    panel.append(pickers[t], roots[t]);
    tabs.append(header, panel);
  }
  return { tabs, roots, pickers };
}

/** What VS Code's host would do with a panel's request, done in the page. */
function onPost(r: Report, m: WebviewToHost): void {
  // The selected sample's trajectory (from the embedded checkpoints) and preview: answered to the explorer.
  if (m.type === 'trajectory' || m.type === 'preview') return r.handlers.samples(reportDetail(r.init.checkpoints, m));
  r.status.textContent = '';
  if (m.type === 'openCheckpoint') {
    const d = r.byFile.get(m.file);
    if (d) {
      r.current = d;
      r.select = m.sample;
      show(r, 'samples');
    } else
      r.status.textContent = `The samples of ${m.file} are not embedded in this report (lsmi report --samples all).`;
  } else if (m.type === 'exportSubset') {
    const d = r.byFile.get(m.file);
    download(
      `${d?.run ?? 'samples'}-${d?.epoch ?? ''}-${m.which}-r-q${m.quantile}.txt`.replace(/[^\w.-]+/g, '-'),
      m.indices.join('\n') + '\n',
      'text/plain',
    );
  } else if (m.type === 'openSample') {
    r.status.textContent = `Sample ${m.index}: its source opens from VS Code (LSMI Lens), which reads the run's manifest.`;
  }
}

function show(r: Report, t: Tab): void {
  r.tabs.selectedIndex = TABS.indexOf(t);
  refresh(r, t);
}

/** Panels drawn while hidden measure nothing: each is (re)drawn when its tab is shown. */
function refresh(r: Report, t: Tab): void {
  if (t === 'dashboard') return;
  if (!r.init.checkpoints.length) {
    r.roots[t].replaceChildren(
      el('p', { class: 'empty' }, r.init.note ?? 'This report embeds no per-sample data (lsmi report --samples).'),
    );
    return;
  }
  if (t === 'samples') refreshSamples(r);
  else refreshCompare(r);
}

function refreshSamples(r: Report): void {
  r.pickers.samples.replaceChildren(
    el('span', {}, 'Checkpoint '),
    dropdown(r.options, r.current.file, { class: 'pick-checkpoint', 'aria-label': 'checkpoint' }, (v) => {
      r.current = r.byFile.get(v)!;
      refresh(r, 'samples');
    }),
  );
  r.handlers.samples({ type: 'init', view: 'samples', title: 'Samples', data: r.current, select: r.select });
  r.select = undefined;
}

function refreshCompare(r: Report): void {
  const [a, b] = r.pair;
  r.pickers.compare.replaceChildren(
    el('span', {}, 'A '),
    dropdown(r.options, a!.file, { class: 'pick-a', 'aria-label': 'checkpoint A' }, (v) => {
      r.pair = [r.byFile.get(v), r.pair[1]];
      refresh(r, 'compare');
    }),
    el('span', {}, ' B '),
    dropdown(r.options, b!.file, { class: 'pick-b', 'aria-label': 'checkpoint B' }, (v) => {
      r.pair = [r.pair[0], r.byFile.get(v)];
      refresh(r, 'compare');
    }),
  );
  r.handlers.compare({ type: 'init', view: 'compare', title: 'Compare', a: a!, b: b! });
}

function start(init: Init): void {
  const cps = init.checkpoints;
  const status = el('p', { class: 'status', role: 'status' });
  const { tabs, roots, pickers } = buildTabs();
  document.getElementById('app')!.append(status, tabs); // messages above the tabs, where they are seen
  // The explorer starts on the latest checkpoint; compare, on its run's first and it.
  const current = cps[cps.length - 1];
  const r: Report = {
    init,
    byFile: new Map(cps.map((d) => [d.file, d])),
    status,
    tabs,
    roots,
    pickers,
    current,
    options: cps.map((d) => ({ value: d.file, label: labelOf(d, init.runs) })),
    pair: [current && cps.filter((c) => c.run === current.run)[0], current],
    // Each panel with its own in-memory state; their requests come to onPost.
    handlers: {
      dashboard: mountDashboard(
        roots.dashboard,
        memoryApi((m) => onPost(r, m)),
      ),
      samples: mountSamples(
        roots.samples,
        memoryApi((m) => onPost(r, m)),
      ),
      compare: mountCompare(
        roots.compare,
        memoryApi((m) => onPost(r, m)),
      ),
    },
  };
  r.handlers.dashboard({ type: 'init', view: 'dashboard', title: init.title, runs: init.runs });
  if (init.note) status.textContent = init.note;
  tabs.addEventListener('vsc-tabs-select', (e) => refresh(r, TABS[e.detail.selectedIndex]));
}

const init = reportMessages().find((m): m is Init => m.type === 'init' && m.view === 'report');
if (init) start(init);
