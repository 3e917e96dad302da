/** The marks of a line chart: shaded interval bands, a path per trace, and dots while they are few. */
import { originText } from '../labels';
import type { Scales } from './frame';
import type { Trace, ValueText } from './line-chart';
import { svg, svgText } from './svg';

/** Above this many checkpoints per line, charts draw lines without dots. */
const MAX_DOTS = 40;

/** A value with its interval when it has one: "0.345 [0.329, 0.355]". */
export function valueWithBand(v: number, band: [number, number] | undefined, fmt: (v: number) => string): string {
  return band ? `${fmt(v)} [${fmt(band[0])}, ${fmt(band[1])}]` : fmt(v);
}

/**
 * Each trace's band: a closed path along the upper bounds and back along the lower ones, in the
 * line's colour, faint; a run of checkpoints without intervals breaks it into pieces.
 */
export function drawBands(plot: SVGElement, { sx, sy }: Scales, traces: Trace[], clip: string): void {
  for (const q of traces) {
    const { xs, bands } = q.line;
    const pieces: number[][] = [[]];
    bands.forEach((b, i) => (b ? pieces[pieces.length - 1].push(i) : pieces.push([])));
    for (const idx of pieces.filter((p) => p.length)) {
      const up = idx.map((i) => `${sx(xs[i]).toFixed(1)},${sy(bands[i]![1]).toFixed(1)}`);
      const down = idx.reverse().map((i) => `${sx(xs[i]).toFixed(1)},${sy(bands[i]![0]).toFixed(1)}`);
      // One checkpoint alone: a short vertical bar stands for its interval.
      const d = idx.length === 1 ? `M${up[0]}L${down[0]}` : `M${up.join('L')}L${down.join('L')}Z`;
      plot.append(
        svg('path', {
          d,
          class: idx.length === 1 ? 'band band-bar' : 'band',
          fill: q.s.color,
          stroke: idx.length === 1 ? q.s.color : 'none',
          'data-run': q.s.run,
          'data-interaction': q.s.key,
          'clip-path': clip,
        }),
      );
    }
  }
}

/**
 * A path per trace (clipped to the plot: a zoomed line runs to the edge), and dots (each a tab
 * stop with a tooltip) while they are few; dense charts are read with the rule.
 */
export function drawLines(
  plot: SVGElement,
  { sx, sy }: Scales,
  traces: Trace[],
  { fmt, unit, name }: ValueText,
  clip: string,
): void {
  const dots = traces.every((q) => q.pts.length <= MAX_DOTS);
  for (const { s, pts, xs, ys, line } of traces) {
    const d = line.xs.map((x, i) => `${i ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(line.ys[i]).toFixed(1)}`).join('');
    const attrs = { d, class: 'line', stroke: s.color, 'data-run': s.run, 'data-interaction': s.key };
    plot.append(svg('path', { ...attrs, 'clip-path': clip }));
    if (!dots) continue;
    pts.forEach((p, i) => {
      const c = svg('circle', {
        cx: sx(xs[i]),
        cy: sy(ys[i]),
        r: 3.5,
        fill: s.color,
        class: 'point',
        tabindex: 0,
        'data-run': s.run,
        'data-interaction': s.key,
        'data-file': p.file,
      });
      const origin = p.source ? ` · values ${originText(p)}` : '';
      const value = valueWithBand(s.value(p)!, s.band?.(p), fmt);
      c.append(
        svgText(
          'title',
          {},
          `${s.name} · ${name(p)} · ${s.keyLabel ?? s.key} ${value}${unit ? ` ${unit}` : ''}${origin}`,
        ),
      );
      plot.append(c);
    });
  }
}
