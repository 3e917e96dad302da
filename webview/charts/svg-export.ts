/**
 * A chart as a file: its SVG with every colour, width and font resolved from the theme's
 * variables to concrete values (a file outside the page has no CSS), and a PNG rasterised
 * from that SVG. The cursor, focus ring and zoom shade are left out.
 */

/** Presentation properties copied from the page's computed style onto each element, and their defaults (left out). */
const PROPS: Record<string, string | undefined> = {
  fill: undefined,
  'fill-opacity': '1',
  stroke: undefined,
  'stroke-width': undefined,
  'stroke-opacity': '1',
  'stroke-dasharray': 'none',
  opacity: '1',
};
/** Font properties, on text only. */
const FONT = ['font-size', 'font-family'];

/** The chart's SVG markup, standalone: theme colours resolved, a background and the chart's title. */
export function chartSvg(plot: SVGSVGElement, title: string, background: string): string {
  const clone = plot.cloneNode(true) as SVGSVGElement;
  const src = [plot, ...plot.querySelectorAll('*')];
  const dst = [clone, ...clone.querySelectorAll('*')];
  src.forEach((e, i) => {
    if (e.tagName === 'title') return;
    const cs = getComputedStyle(e);
    const props = [...Object.keys(PROPS), ...(e.tagName === 'text' ? FONT : [])];
    for (const p of props) {
      const v = cs.getPropertyValue(p);
      if (v && v !== PROPS[p]) dst[i].setAttribute(p, v);
    }
    dst[i].removeAttribute('tabindex');
  });
  for (const e of clone.querySelectorAll('.rule, .ring, .zoom-shade, [visibility="hidden"]')) e.remove();
  const [, , W, H] = (plot.getAttribute('viewBox') ?? '0 0 420 230').split(' ');
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('width', W);
  clone.setAttribute('height', H);
  for (const a of ['role', 'aria-label', 'data-x0', 'data-x1']) clone.removeAttribute(a);
  const NS = 'http://www.w3.org/2000/svg';
  const t = document.createElementNS(NS, 'title');
  t.textContent = title;
  const bg = document.createElementNS(NS, 'rect');
  for (const [k, v] of Object.entries({ x: '0', y: '0', width: W, height: H, fill: background })) bg.setAttribute(k, v);
  clone.prepend(t, bg);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(clone)}`;
}

/** The SVG rasterised at `scale` times its size, as base64 PNG bytes. */
export async function svgToPng(markup: string, W: number, H: number, scale = 2): Promise<string> {
  const img = new Image();
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(markup)}`;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = W * scale;
  canvas.height = H * scale;
  canvas.getContext('2d')!.drawImage(img, 0, 0, canvas.width, canvas.height);
  return canvas.toDataURL('image/png').slice('data:image/png;base64,'.length);
}
