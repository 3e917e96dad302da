/**
 * Compare panel: two checkpoints (same or different runs) side by side: R, U1, U2, S bars,
 * a per-sample scatter of one interaction at A against B, the samples that moved most, and
 * per-class changes. Samples are paired by their dumps' ids (by row position when a dump has
 * none, or when the reader asks), so dumps holding their samples in other orders compare right.
 *
 * model.ts holds the two checkpoints and the settings; pairing.ts, bars.ts, scatter.ts and
 * tables.ts draw.
 */
import type { Mount } from '../vscode-api';
import type { SampleData } from '../../src/shared/protocol';
import { el } from '../dom';
import { sourceBadge } from '../labels';
import { Compare, createCompare, label, pairing } from './model';
import { drawPairing } from './pairing';
import { drawBars } from './bars';
import { drawScatter } from './scatter';
import { drawClasses, drawMoved } from './tables';

/** A side's legend: "A: late-fusion · epoch 4" and where its values came from. */
function sideLegend(d: SampleData, side: 'a' | 'b'): HTMLElement {
  const legend = el('span', { class: `legend legend-${side}` }, `${side.toUpperCase()}: ${label(d)}`);
  const badge = sourceBadge(d);
  if (badge) legend.append(badge);
  return legend;
}

/** Draws the whole panel again from the state. */
function render(c: Compare): void {
  const A = c.A!,
    B = c.B!;
  c.root.replaceChildren();
  const header = el('header');
  header.append(el('h1', {}, 'Compare'), sideLegend(A, 'a'), sideLegend(B, 'b'));
  c.root.append(header);
  const { modes, pairing: p } = pairing(c);
  const ps = p.pairs;
  const change = (to: Partial<typeof c.state>) => {
    c.state = { ...c.state, ...to };
    c.vscode.setState(c.state);
    render(c);
  };
  c.root.append(drawPairing(c, modes, p, (by) => change({ by })));
  const grid = el('div', { class: 'layout' });
  const left = el('div'),
    right = el('div');
  drawBars(c, left);
  drawClasses(c, left, ps);
  drawScatter(c, right, ps, (key) => change({ key }));
  drawMoved(c, right, ps);
  grid.append(left, right);
  c.root.append(grid);
  if (!ps.length)
    c.root.append(
      el('p', { class: 'note' }, 'The two checkpoints share no samples, so only the summaries are compared.'),
    );
}

export const mountCompare: Mount = (root, vscode) => {
  const c = createCompare(root, vscode);
  // The canvas reads theme colours when it draws: VS Code marks a theme switch on body's class.
  new MutationObserver(() => {
    if (c.A && c.B) render(c);
  }).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  return (m) => {
    if (m.type === 'init' && m.view === 'compare') {
      c.A = m.a;
      c.B = m.b;
      c.state = { ...c.state, a: c.A.file, b: c.B.file };
      c.vscode.setState(c.state);
      render(c);
    }
  };
};
