/**
 * The hover tooltip of a line chart: at the pointer's x, every line's checkpoint nearest it,
 * one row each (its colour, name, checkpoint, value with its interval, where the value came from).
 */
import { el, swatch } from '../dom';
import { sourceBadge } from '../labels';
import { ChartInput, Hit, hitValue } from './line-chart-input';

/** Fills and places the tooltip beside the pointer, inside the chart's box. */
export function showTooltip(c: ChartInput, hits: Hit[], ev: MouseEvent): void {
  const tip = c.tooltip;
  if (!hits.length) {
    tip.hidden = true;
    return;
  }
  const unit = c.unit ? ` ${c.unit}` : '';
  tip.replaceChildren(
    ...hits.map((h) => {
      const p = h.q.pts[h.i];
      const row = el('div', { class: 'tip-row', 'data-run': h.q.s.run });
      row.append(swatch(h.q.s.color), `${h.q.s.label} · ${c.name(p)}: `, el('b', {}, hitValue(c, h)), unit);
      const badge = sourceBadge(p);
      if (badge) row.append(badge);
      return row;
    }),
  );
  tip.hidden = false;
  const box = (tip.parentElement ?? c.plot).getBoundingClientRect();
  const x = ev.clientX - box.left,
    y = ev.clientY - box.top;
  // Right of the pointer, or left of it in the right half, so it stays inside the chart.
  const left = x > box.width / 2 ? Math.max(0, x - tip.offsetWidth - 12) : x + 12;
  Object.assign(tip.style, { left: `${left}px`, top: `${Math.max(0, y + 12)}px` });
}
