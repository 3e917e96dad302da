/**
 * The geometry every chart of the panels shares: a plot area inside margins, and linear
 * scales from data to it. The dashboard's SVG line charts, the sample explorer's scatter and
 * the compare panel's scatter (it draws no line chart) all place their marks with these, so
 * the three agree on which way y points and how a flat domain is drawn.
 */

/** A chart of W x H units with the plot area inside margins l, r, t, b. */
export interface Frame {
  W: number;
  H: number;
  l: number;
  r: number;
  t: number;
  b: number;
}

/** A frame with the same margin on every side. */
export function evenFrame(W: number, H: number, m: number): Frame {
  return { W, H, l: m, r: m, t: m, b: m };
}

/** Width and height of the plot area. */
export const plotWidth = (f: Frame) => f.W - f.l - f.r;
export const plotHeight = (f: Frame) => f.H - f.t - f.b;

export interface Scales {
  /** data x to chart units, left to right */
  sx: (x: number) => number;
  /** data y to chart units, bottom to top */
  sy: (y: number) => number;
  /** chart units back to data x (for a pointer over the chart) */
  invertX: (px: number) => number;
}

/** Linear scales from the domains [x0, x1] and [y0, y1] to the frame's plot area. */
export function scales(f: Frame, [x0, x1]: [number, number], [y0, y1]: [number, number]): Scales {
  // `|| 1`: a domain of one value still draws (at the low edge) instead of dividing by zero.
  return {
    sx: (x) => f.l + ((x - x0) / (x1 - x0 || 1)) * (f.W - f.l - f.r),
    sy: (y) => f.H - f.b - ((y - y0) / (y1 - y0 || 1)) * (f.H - f.t - f.b),
    invertX: (px) => x0 + ((px - f.l) / (f.W - f.l - f.r)) * (x1 - x0),
  };
}

/**
 * How an x tick label at x is anchored: centred, unless half of it (about 6 units a character
 * at the ticks' 10 px font) would run past the chart's edge; then it ends (or starts) at x.
 */
export function tickAnchor(f: Frame, x: number, text: string): 'start' | 'middle' | 'end' {
  const half = text.length * 3.3;
  return x + half > f.W ? 'end' : x - half < 0 ? 'start' : 'middle';
}
