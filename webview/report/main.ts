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
import { select as dropdown } from '../controls';
import { memoryApi, reportMessages } from '../vscode-api';
import { mountDashboard } from '../dashboard/view';
import { mountSamples } from '../samples/view';
import { mountCompare } from '../compare/view';

type Init = Extract<HostToWebview, { view: 'report' }>;
const TABS = ['dashboard', 'samples', 'compare'] as const;
type Tab = typeof TABS[number];

const labelOf = (d: SampleData, runs: RunSeries[]) =>
  `${runs.find((r) => r.run === d.run)?.name ?? d.run}${d.epoch !== undefined ? ` · epoch ${d.epoch}` : ''}`;

function start(init: Init): void {
  const app = document.getElementById('app')!;
  const cps = init.checkpoints;
  const byFile = new Map(cps.map((d) => [d.file, d]));
  const status = el('p', { class: 'status', role: 'status' });
  const tabs = document.createElement('vscode-tabs') as VscodeTabs;
  tabs.panel = true; // the look of VS Code's panel tabs: the active one underlined in the accent colour
  // Each tab: checkpoint pickers (the report's own), then the root the panel draws into.
  const perTab = (make: (t: Tab) => HTMLElement) => ({ dashboard: make('dashboard'), samples: make('samples'), compare: make('compare') });
  const roots = perTab((t) => el('div', { class: `panel-root panel-${t}` }));
  const pickers = perTab(() => el('div', { class: 'pickers' }));
  for (const [t, label] of [['dashboard', 'Dashboard'], ['samples', 'Samples'], ['compare', 'Compare']] as const) {
    const header = el('vscode-tab-header' as 'div', { slot: 'header', 'data-tab': t }, label);
    const panel = el('vscode-tab-panel' as 'div', { 'data-tab': t });
    panel.append(pickers[t], roots[t]);
    tabs.append(header, panel);
  }
  app.append(status, tabs); // messages above the tabs, where they are seen
  const show = (t: Tab) => { tabs.selectedIndex = TABS.indexOf(t); refresh(t); };

  // Which checkpoints the explorer and the compare panel show; pickers change them.
  let current = cps[cps.length - 1];
  const sameRun = (d: SampleData) => cps.filter((c) => c.run === d.run);
  let pair: [SampleData | undefined, SampleData | undefined] = [current && sameRun(current)[0], current];
  /** a sample the explorer should select when it is next drawn */
  let select: number | undefined;

  const onPost = (m: WebviewToHost) => {
    status.textContent = '';
    if (m.type === 'openCheckpoint') {
      const d = byFile.get(m.file);
      if (d) { current = d; select = m.sample; show('samples'); } else status.textContent = `The samples of ${m.file} are not embedded in this report (lsmi report --samples all).`;
    } else if (m.type === 'exportSubset') {
      const d = byFile.get(m.file);
      download(`${d?.run ?? 'samples'}-${d?.epoch ?? ''}-${m.which}-r-q${m.quantile}.txt`.replace(/[^\w.-]+/g, '-'), m.indices.join('\n') + '\n', 'text/plain');
    } else if (m.type === 'openSample') {
      status.textContent = `Sample ${m.index}: its source opens from VS Code (LSMI Lens), which reads the run's manifest.`;
    }
  };
  // Each panel with its own in-memory state; their requests come to onPost.
  const handlers: Record<Tab, (m: HostToWebview) => void> = {
    dashboard: mountDashboard(roots.dashboard, memoryApi(onPost)),
    samples: mountSamples(roots.samples, memoryApi(onPost)),
    compare: mountCompare(roots.compare, memoryApi(onPost)),
  };

  const options = cps.map((d) => ({ value: d.file, label: labelOf(d, init.runs) }));
  // Panels drawn while hidden measure nothing: each is (re)drawn when its tab is shown.
  function refresh(t: Tab): void {
    if (t === 'dashboard') return;
    if (!cps.length) {
      roots[t].replaceChildren(el('p', { class: 'empty' }, init.note ?? 'This report embeds no per-sample data (lsmi report --samples).'));
      return;
    }
    if (t === 'samples') {
      pickers.samples.replaceChildren(el('span', {}, 'Checkpoint '), dropdown(options, current.file, { class: 'pick-checkpoint', 'aria-label': 'checkpoint' }, (v) => { current = byFile.get(v)!; refresh('samples'); }));
      handlers.samples({ type: 'init', view: 'samples', title: 'Samples', data: current, select });
      select = undefined;
    } else {
      const [a, b] = pair;
      pickers.compare.replaceChildren(
        el('span', {}, 'A '), dropdown(options, a!.file, { class: 'pick-a', 'aria-label': 'checkpoint A' }, (v) => { pair = [byFile.get(v), pair[1]]; refresh('compare'); }),
        el('span', {}, ' B '), dropdown(options, b!.file, { class: 'pick-b', 'aria-label': 'checkpoint B' }, (v) => { pair = [pair[0], byFile.get(v)]; refresh('compare'); }),
      );
      handlers.compare({ type: 'init', view: 'compare', title: 'Compare', a: a!, b: b! });
    }
  }

  handlers.dashboard({ type: 'init', view: 'dashboard', title: init.title, runs: init.runs });
  if (init.note) status.textContent = init.note;
  tabs.addEventListener('vsc-tabs-select', (e) => refresh(TABS[e.detail.selectedIndex]));
}

const init = reportMessages().find((m): m is Init => m.type === 'init' && m.view === 'report');
if (init) start(init);
