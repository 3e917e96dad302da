/** The composition table: shares of R, U1, U2, S in the latest checkpoint of each run. */
import type { RunSeries } from '../../src/shared/protocol';
import { INTERACTIONS } from '../interactions';
import { at, xOf } from '../checkpoint';
import { el, headerRow, swatch } from '../dom';
import { interactionLabel, sharedModalityNames, sourceBadge } from '../labels';
import { Dashboard, visibleRuns } from './state';
import { colorOf } from './colors';
import { keyLegend } from './charts';

/** Most class names a run's row lists; the rest are counted. */
const MAX_CLASSES_LISTED = 8;

/**
 * Shares of R, U1, U2, S in the latest checkpoint of each run (negative parts count as 0),
 * where its values came from, and the names its run gives the modalities and classes.
 */
export function drawComposition(d: Dashboard): HTMLElement {
  const runs = visibleRuns(d);
  const names = sharedModalityNames(runs);
  const box = el('section', { class: 'composition' });
  box.append(el('h2', {}, 'Composition at the latest checkpoint'), keyLegend(names));
  const table = el('table');
  const keys = INTERACTIONS.map((k) => interactionLabel(k, names));
  const withSource = runs.some((r) => r.points.some((p) => p.source));
  table.append(
    headerRow(['run', 'checkpoint', 'shares of I(X1,X2;Y)', ...keys, ...(withSource ? ['values from'] : [])]),
  );
  for (const r of runs) table.append(compositionRow(d, r, withSource));
  box.append(table);
  return box;
}

function compositionRow(d: Dashboard, r: RunSeries, withSource: boolean): HTMLElement {
  const p = [...r.points].sort((a, b) => xOf(b) - xOf(a))[0];
  const pos = INTERACTIONS.map((k) => Math.max(0, p[k]));
  const total = pos.reduce((a, b) => a + b, 0) || 1;
  const tr = el('tr', { 'data-run': r.run });
  const name = el('td');
  name.append(swatch(colorOf(d.slots, r.run)), document.createTextNode(r.name));
  const named = namesLine(r);
  if (named) name.append(el('div', { class: 'note run-names' }, named));
  const bar = el('td');
  const stack = el('div', {
    class: 'stack',
    role: 'img',
    'aria-label': INTERACTIONS.map((k, i) => `${k} ${((100 * pos[i]) / total).toFixed(0)}%`).join(', '),
  });
  INTERACTIONS.forEach((k, i) => {
    const share = el('span', { class: `share share-${k}`, title: `${k} ${((100 * pos[i]) / total).toFixed(1)}%` });
    share.style.width = `${((100 * pos[i]) / total).toFixed(2)}%`;
    stack.append(share);
  });
  bar.append(stack);
  const source = el('td', { class: 'source' });
  const badge = sourceBadge(p);
  if (badge) source.append(badge);
  tr.append(
    name,
    el('td', {}, at(p)),
    bar,
    ...INTERACTIONS.map((k) => el('td', { class: 'num' }, p[k].toFixed(3))),
    ...(withSource ? [source] : []),
  );
  return tr;
}

/** What the run names: "U1 audio, U2 visual; classes cat, dog", or '' when it names nothing. */
function namesLine(r: RunSeries): string {
  const parts: string[] = [];
  const m = r.modalityNames;
  if (m) parts.push(`U1 ${m[0]}, U2 ${m[1]}`);
  const c = r.classNames;
  if (c?.length) {
    const more = c.length > MAX_CLASSES_LISTED ? `, … (${c.length} classes)` : '';
    parts.push(`classes ${c.slice(0, MAX_CLASSES_LISTED).join(', ')}${more}`);
  }
  return parts.join('; ');
}
