/**
 * Dashboard panel: R, U1, U2, S against epoch (or step) for each run, one small multiple per
 * interaction, the composition of the latest checkpoint as shares, a run filter, smoothing,
 * hover read-out, live updates and CSV/JSON export. It draws what the host sends, nothing more.
 *
 * state.ts holds what it was sent and the view settings; header.ts, charts.ts and
 * composition.ts draw the parts; ../charts/line-chart.ts draws one chart.
 */
import type { Mount } from '../vscode-api';
import { el } from '../dom';
import { Dashboard, createDashboard, upsert, visibleRuns } from './state';
import { assignColors } from './colors';
import { drawHeader } from './header';
import { drawCharts } from './charts';
import { drawComposition } from './composition';

/** Draws the whole panel again from the state (every change of data or settings). */
function render(d: Dashboard): void {
  d.slots = assignColors(d.runs);
  d.root.replaceChildren();
  d.root.append(drawHeader(d, () => render(d)));
  if (!visibleRuns(d).length) {
    // Spelled "analysed" (not "analyzed"): test/webview.test.ts asserts this sentence.
    d.root.append(
      el(
        'p',
        { class: 'empty' },
        d.runs.length
          ? 'All runs are hidden.'
          : 'No analysed checkpoints yet: they appear here as training writes them.',
      ),
    );
    return;
  }
  const grid = el('div', { class: 'grid' });
  grid.append(...drawCharts(d));
  d.root.append(
    grid,
    drawComposition(d),
    el('p', { class: 'note' }, 'Values in nats (LSMI, adjusted). Click a point to open that checkpoint.'),
  );
}

export const mountDashboard: Mount = (root, vscode) => {
  const d = createDashboard(root, vscode);
  return (m) => {
    if (m.type === 'init' && m.view === 'dashboard') {
      d.runs = m.runs.map((r) => ({ ...r, points: [...r.points] }));
      d.title = m.title;
      render(d);
    } else if (m.type === 'checkpoint') {
      upsert(d, m.run, m.name, m.point, m.names);
      render(d);
    }
  };
};
