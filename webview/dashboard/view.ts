/**
 * Dashboard panel: R, U1, U2, S against step, epoch or wall time for each run, one small
 * multiple per interaction with shaded 90% bands, small charts of I1, I2, I12 and accuracy, the
 * composition of the latest checkpoint as shares, a regex run filter, smoothing, hover
 * tooltip, drag to zoom (all charts), live updates, CSV/JSON export and PNG/SVG per chart. It
 * draws what the host sends, nothing more.
 *
 * state.ts holds what it was sent and the view settings; header.ts (run-filter.ts,
 * x-axis.ts), charts.ts, mini-charts.ts and composition.ts draw the parts; chart-export.ts
 * saves a chart; ../charts/line-chart.ts draws one chart.
 */
import type { Mount } from '../vscode-api';
import { el } from '../dom';
import { Dashboard, createDashboard, upsert, visibleRuns } from './state';
import { assignColors } from './colors';
import { drawHeader } from './header';
import { drawCharts } from './charts';
import { drawComposition } from './composition';
import { drawMiniCharts } from './mini-charts';

/** Draws the whole panel again from the state (every change of data or settings). */
function render(d: Dashboard): void {
  d.slots = assignColors(d.runs);
  d.root.replaceChildren();
  d.root.append(drawHeader(d, d.redraw));
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
  const minis = drawMiniCharts(d);
  d.root.append(
    grid,
    ...(minis ? [minis] : []),
    drawComposition(d),
    el('p', { class: 'note' }, 'Values in nats (LSMI, adjusted). Click a point to open that checkpoint.'),
  );
}

export const mountDashboard: Mount = (root, vscode) => {
  const d = createDashboard(root, vscode);
  d.redraw = () => render(d);
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
