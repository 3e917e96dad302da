/** The dashboard's grid of line charts, in either layout, and the key of interaction colours. */
import { INTERACTIONS, Interaction } from '../interactions';
import { byX } from '../checkpoint';
import { legend } from '../dom';
import { drawLineChart, Series } from '../charts/line-chart';
import { Dashboard, runTitle, visibleRuns } from './state';
import { KEY_COLOR, colorOf } from './colors';

const LABEL: Record<Interaction, string> = {
  R: 'Redundancy R',
  U1: 'Uniqueness U1',
  U2: 'Uniqueness U2',
  S: 'Synergy S',
};

/** Which colour is which interaction (one-run charts and the composition bars share them). */
export function keyLegend(): HTMLElement {
  return legend(INTERACTIONS.map((k) => [KEY_COLOR[k], k]));
}

function chart(d: Dashboard, heading: string, attrs: Record<string, string>, series: Series[]): HTMLElement {
  const open = (run: string, file: string) => d.vscode.postMessage({ type: 'openCheckpoint', run, file });
  return drawLineChart({ heading, attrs, series, smoothing: d.view.smoothing, open });
}

/** Runs overlaid: one chart per interaction. */
function chartsByInteraction(d: Dashboard): HTMLElement[] {
  return INTERACTIONS.map((k) =>
    chart(
      d,
      LABEL[k],
      { 'data-interaction': k },
      visibleRuns(d).map((r) => ({
        run: r.run,
        name: r.name,
        key: k,
        color: colorOf(d.slots, r.run),
        label: r.name,
        points: byX(r.points),
      })),
    ),
  );
}

/** Small multiples: one chart per run (fusion configuration) holding its R, U1, U2, S. */
function chartsByRun(d: Dashboard): HTMLElement[] {
  return visibleRuns(d).map((r) => {
    const points = byX(r.points);
    const box = chart(
      d,
      runTitle(r),
      { 'data-run': r.run },
      INTERACTIONS.map((k) => ({ run: r.run, name: r.name, key: k, color: KEY_COLOR[k], label: k, points })),
    );
    box.append(keyLegend());
    return box;
  });
}

/** The charts of the chosen layout. */
export function drawCharts(d: Dashboard): HTMLElement[] {
  return d.view.layout === 'run' ? chartsByRun(d) : chartsByInteraction(d);
}
