/** The dashboard's grid of line charts, in either layout, and the key of interaction colours. */
import type { CheckpointPoint } from '../../src/shared/protocol';
import { INTERACTIONS, Interaction } from '../interactions';
import { byX } from '../checkpoint';
import { legend } from '../dom';
import { ModalityNames, interactionLabel, sharedModalityNames } from '../labels';
import { drawLineChart, Series } from '../charts/line-chart';
import { Dashboard, runTitle, visibleRuns } from './state';
import { KEY_COLOR, colorOf } from './colors';
import { xScale } from './x-axis';
import { downloadButtons } from './chart-export';

const KIND: Record<Interaction, string> = {
  R: 'Redundancy',
  U1: 'Uniqueness',
  U2: 'Uniqueness',
  S: 'Synergy',
};

/** A chart's heading: "Redundancy R", "Uniqueness U1 (audio)". */
const heading = (k: Interaction, names: ModalityNames) => `${KIND[k]} ${interactionLabel(k, names)}`;

/** Which colour is which interaction (one-run charts and the composition bars share them), U1 and U2 by modality. */
export function keyLegend(names?: ModalityNames): HTMLElement {
  return legend(INTERACTIONS.map((k) => [KEY_COLOR[k], interactionLabel(k, names)]));
}

/** How a line reads an interaction of a checkpoint: its value and its interval. */
const interactionOf = (k: Interaction) => ({
  value: (p: CheckpointPoint) => p[k],
  band: (p: CheckpointPoint) => p.intervals?.[k],
});

/** A chart with the dashboard's x axis, zoom and interval setting, and its download buttons. */
export function chart(
  d: Dashboard,
  heading: string,
  attrs: Record<string, string>,
  series: Series[],
  extra: { unit?: string; digits?: number } = {},
): HTMLElement {
  const open = (run: string, file: string) => d.vscode.postMessage({ type: 'openCheckpoint', run, file });
  const onZoom = (range: [number, number] | undefined) => {
    d.zoom = range;
    d.redraw();
  };
  const box = drawLineChart({
    heading,
    attrs,
    series,
    smoothing: d.view.smoothing,
    x: xScale(d),
    bands: d.view.intervals,
    domain: d.zoom,
    onZoom,
    open,
    ...extra,
  });
  box.querySelector('h2')!.after(downloadButtons(d, box, heading));
  return box;
}

/** Runs overlaid: one chart per interaction, headed by the modality when the runs agree on its name. */
function chartsByInteraction(d: Dashboard): HTMLElement[] {
  const runs = visibleRuns(d);
  const names = sharedModalityNames(runs);
  return INTERACTIONS.map((k) =>
    chart(
      d,
      heading(k, names),
      { 'data-interaction': k },
      runs.map((r) => ({
        run: r.run,
        name: r.name,
        key: k,
        keyLabel: interactionLabel(k, r.modalityNames),
        color: colorOf(d.slots, r.run),
        label: r.name,
        points: byX(r.points),
        ...interactionOf(k),
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
      INTERACTIONS.map((k) => {
        const label = interactionLabel(k, r.modalityNames);
        return {
          run: r.run,
          name: r.name,
          key: k,
          keyLabel: label,
          color: KEY_COLOR[k],
          label,
          points,
          ...interactionOf(k),
        };
      }),
    );
    box.append(keyLegend(r.modalityNames));
    return box;
  });
}

/** The charts of the chosen layout. */
export function drawCharts(d: Dashboard): HTMLElement[] {
  return d.view.layout === 'run' ? chartsByRun(d) : chartsByInteraction(d);
}
