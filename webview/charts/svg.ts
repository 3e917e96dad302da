/** SVG elements for the line charts (the strict CSP allows attributes, not inline styles). */
const NS = 'http://www.w3.org/2000/svg';

export function svg(tag: string, attrs: Record<string, string | number>): SVGElement {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

/** An SVG element holding text (a tick label, a tooltip's <title>). */
export function svgText(tag: 'text' | 'title', attrs: Record<string, string | number>, text: string): SVGElement {
  const e = svg(tag, attrs);
  e.textContent = text;
  return e;
}
