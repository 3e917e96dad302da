/**
 * Drag to zoom: a drag across a chart picks an x range (shaded while dragging), handed to
 * `onZoom`, which the dashboard applies to every chart; a double-click resets it.
 */
import { plotWidth } from './frame';
import type { ChartInput } from './line-chart-input';
import { svg } from './svg';

/** Drags shorter than this (chart units) are clicks. */
const MIN_DRAG = 6;

export function wireZoom(c: ChartInput, onZoom: (range: [number, number] | undefined) => void): void {
  const f = c.frame;
  const shade = svg('rect', { y: f.t, height: f.H - f.t - f.b, class: 'zoom-shade', visibility: 'hidden' });
  c.plot.append(shade);
  const unitX = (ev: MouseEvent) => {
    const rect = c.plot.getBoundingClientRect();
    return Math.min(f.W - f.r, Math.max(f.l, (ev.clientX - rect.left) * (f.W / rect.width)));
  };
  let start: number | undefined;
  c.plot.addEventListener('mousedown', (ev) => {
    if (ev.button !== 0) return;
    start = unitX(ev);
    ev.preventDefault();
  });
  c.plot.addEventListener('mousemove', (ev) => {
    if (start === undefined) return;
    const ux = unitX(ev);
    shade.setAttribute('x', String(Math.min(ux, start)));
    shade.setAttribute('width', String(Math.abs(ux - start)));
    shade.setAttribute('visibility', Math.abs(ux - start) >= MIN_DRAG ? 'visible' : 'hidden');
  });
  c.plot.addEventListener('mouseup', (ev) => {
    if (start === undefined) return;
    const [a, b] = [c.sc.invertX(start), c.sc.invertX(unitX(ev))];
    const far = Math.abs(unitX(ev) - start) >= MIN_DRAG && plotWidth(f) > 0;
    start = undefined;
    shade.setAttribute('visibility', 'hidden');
    if (!far) return;
    // The click that ends the drag opens nothing; the charts are redrawn after it.
    c.dragged = true;
    setTimeout(() => onZoom([Math.min(a, b), Math.max(a, b)]));
  });
  c.plot.addEventListener('dblclick', () => setTimeout(() => onZoom(undefined)));
}
