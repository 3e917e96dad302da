/**
 * Small charts below the main ones: the information terms I1, I2, I12 and the held-out
 * accuracy of p(y|x) per checkpoint, runs overlaid, when the host sent them.
 */
import type { CheckpointPoint } from '../../src/shared/protocol';
import { byX } from '../checkpoint';
import { el } from '../dom';
import type { Series } from '../charts/line-chart';
import { Dashboard, visibleRuns } from './state';
import { colorOf } from './colors';
import { chart } from './charts';

interface Mini {
  key: string;
  heading: string;
  value: (p: CheckpointPoint) => number | undefined;
  unit: string;
}

const MINIS: Mini[] = [
  { key: 'I1', heading: 'Information I(X1;Y)', value: (p) => p.info?.I1, unit: 'nats' },
  { key: 'I2', heading: 'Information I(X2;Y)', value: (p) => p.info?.I2, unit: 'nats' },
  { key: 'I12', heading: 'Information I(X1,X2;Y)', value: (p) => p.info?.I12, unit: 'nats' },
  { key: 'acc12', heading: 'Accuracy (joint)', value: (p) => p.accuracy?.x12, unit: '' },
  { key: 'acc1', heading: 'Accuracy (x1)', value: (p) => p.accuracy?.x1, unit: '' },
  { key: 'acc2', heading: 'Accuracy (x2)', value: (p) => p.accuracy?.x2, unit: '' },
];

/** The small charts that have data, in a grid; undefined when no checkpoint has any. */
export function drawMiniCharts(d: Dashboard): HTMLElement | undefined {
  const runs = visibleRuns(d);
  const shown = MINIS.filter((m) => runs.some((r) => r.points.some((p) => m.value(p) !== undefined)));
  if (!shown.length) return undefined;
  const grid = el('div', { class: 'mini-grid' });
  for (const m of shown) {
    const series: Series[] = runs.map((r) => ({
      run: r.run,
      name: r.name,
      key: m.key,
      keyLabel: m.key,
      color: colorOf(d.slots, r.run),
      label: r.name,
      points: byX(r.points),
      value: m.value,
    }));
    grid.append(chart(d, m.heading, { 'data-metric': m.key, class: 'chart mini' }, series, { unit: m.unit }));
  }
  return grid;
}
