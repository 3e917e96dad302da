/**
 * Reading a line chart by pointer and keyboard. The rule and read-out show every line's
 * checkpoint nearest an x; a ring marks the line in focus. A click or Enter opens a checkpoint.
 */
import { sourceBadge } from '../labels';
import type { Frame, Scales } from './frame';
import type { Trace, ValueText } from './line-chart';
import { valueWithBand } from './line-marks';
import { showTooltip } from './chart-tooltip';

/** What the handlers of one chart share. */
export interface ChartInput extends ValueText {
  plot: SVGSVGElement;
  frame: Frame;
  sc: Scales;
  traces: Trace[];
  rule: SVGElement;
  ring: SVGElement;
  readout: HTMLElement;
  /** the hover box listing every line's value at the pointer's x */
  tooltip: HTMLElement;
  open: (run: string, file: string) => void;
  /** set while a drag zooms: the click that ends it opens nothing */
  dragged?: boolean;
}

/** A point of one trace: the trace and the index of its checkpoint. */
export interface Hit {
  q: Trace;
  i: number;
}

/** Each trace's checkpoint nearest x. */
export function nearest(c: ChartInput, x: number): Hit[] {
  return c.traces.map((q) => {
    let best = 0;
    q.xs.forEach((v, i) => {
      if (Math.abs(v - x) < Math.abs(q.xs[best] - x)) best = i;
    });
    return { q, i: best };
  });
}

/** A line's value at its point, with the interval when it has one: "0.345 [0.329, 0.355]". */
export const hitValue = (c: ChartInput, { q, i }: Hit): string =>
  valueWithBand(q.s.value(q.pts[i])!, q.s.band?.(q.pts[i]), c.fmt);

/** One line's reading: "late-fusion epoch 5: 0.345" (with `unit`), then a badge saying where the value came from. */
function describe(c: ChartInput, h: Hit, unit = ''): Array<string | HTMLElement> {
  const badge = sourceBadge(h.q.pts[h.i]);
  return [`${h.q.s.label} ${c.name(h.q.pts[h.i])}: ${hitValue(c, h)}${unit}`, ...(badge ? [badge] : [])];
}

/** Shows the rule and read-out at x; with `focus`, rings that trace's point and names it first. */
function showAt(c: ChartInput, x: number, focus?: number): Hit[] {
  const parts = nearest(c, x);
  if (!parts.length) return parts;
  const px = c.sc.sx(parts[0].q.xs[parts[0].i]);
  c.rule.setAttribute('x1', String(px));
  c.rule.setAttribute('x2', String(px));
  c.rule.setAttribute('visibility', 'visible');
  const all = parts.flatMap((h, k) => [...(k ? ['   '] : []), ...describe(c, h)]);
  c.readout.replaceChildren(...all);
  if (focus !== undefined) {
    const { q, i } = parts[focus];
    c.ring.setAttribute('cx', String(c.sc.sx(q.xs[i])));
    c.ring.setAttribute('cy', String(c.sc.sy(q.ys[i])));
    c.ring.setAttribute('stroke', q.s.color);
    c.ring.setAttribute('visibility', 'visible');
    const unit = c.unit ? ` ${c.unit}` : '';
    c.readout.replaceChildren(...describe(c, { q, i }, unit), ' (Enter opens it) · ', ...all);
  }
  return parts;
}

/** The pointer in data x and in chart units of y. */
export function pointer(c: ChartInput, ev: MouseEvent): { x: number; py: number } {
  const rect = c.plot.getBoundingClientRect();
  return {
    x: c.sc.invertX((ev.clientX - rect.left) * (c.frame.W / rect.width)),
    py: (ev.clientY - rect.top) * (c.frame.H / rect.height),
  };
}

/** Opens the checkpoint of a dot (a <circle class="point">) when `target` is in one; says whether it was. */
function openDot(c: ChartInput, target: EventTarget | null): boolean {
  const dot = (target as Element).closest('circle.point');
  if (dot) c.open(dot.getAttribute('data-run')!, dot.getAttribute('data-file')!);
  return !!dot;
}

/** Hover reads values out; a click on a dot opens its checkpoint, elsewhere that of the line nearest the pointer. */
export function wirePointer(c: ChartInput): void {
  c.plot.addEventListener('mousemove', (ev) => {
    showTooltip(c, showAt(c, pointer(c, ev).x), ev);
  });
  c.plot.addEventListener('mouseleave', () => {
    c.rule.setAttribute('visibility', 'hidden');
    c.ring.setAttribute('visibility', 'hidden');
    c.readout.textContent = '';
    c.tooltip.hidden = true;
  });
  c.plot.addEventListener('click', (ev) => {
    if (c.dragged) {
      c.dragged = false;
      return;
    }
    if (openDot(c, ev.target)) return;
    const { x, py } = pointer(c, ev);
    const parts = nearest(c, x);
    if (!parts.length) return;
    const { q, i } = parts.reduce((a, b) =>
      Math.abs(c.sc.sy(b.q.ys[b.i]) - py) < Math.abs(c.sc.sy(a.q.ys[a.i]) - py) ? b : a,
    );
    c.open(q.s.run, q.pts[i].file);
  });
}

/** The chart is a tab stop; arrows move between checkpoints (left, right) and lines (up, down). */
export function wireKeyboard(c: ChartInput, heading: string): void {
  const xs = [...new Set(c.traces.flatMap((q) => q.xs))].sort((a, b) => a - b);
  const n = c.traces.length;
  let kx = xs.length - 1,
    ks = 0;
  c.plot.setAttribute('tabindex', '0');
  c.plot.setAttribute(
    'aria-label',
    `${heading} by checkpoint: arrow keys move between checkpoints and lines, Enter opens one`,
  );
  c.plot.addEventListener('focus', () => {
    if (!(document.activeElement instanceof SVGCircleElement)) showAt(c, xs[kx], ks);
  });
  c.plot.addEventListener('blur', () => {
    c.ring.setAttribute('visibility', 'hidden');
  });
  c.plot.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && openDot(c, e.target)) return;
    if (e.target !== c.plot || !xs.length) return;
    const moves: Record<string, () => void> = {
      ArrowLeft: () => {
        kx = Math.max(0, kx - 1);
      },
      ArrowRight: () => {
        kx = Math.min(xs.length - 1, kx + 1);
      },
      ArrowUp: () => {
        ks = (ks + n - 1) % n;
      },
      ArrowDown: () => {
        ks = (ks + 1) % n;
      },
      Home: () => {
        kx = 0;
      },
      End: () => {
        kx = xs.length - 1;
      },
    };
    if (moves[e.key]) {
      e.preventDefault();
      moves[e.key]();
      showAt(c, xs[kx], ks);
    } else if (e.key === 'Enter') {
      const { q, i } = nearest(c, xs[kx])[ks];
      c.open(q.s.run, q.pts[i].file);
    }
  });
}
