/** An element with attributes and optional text: the panels build their DOM with this alone. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  text?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/**
 * Makes `nodes` the children of `host`, in order, touching only what differs: moving a kept
 * node would blur it and re-run its web components' connect callbacks (and their layout).
 */
export function setChildren(host: Element, nodes: Node[]): void {
  // Others out first, so a kept node never moves for new ones put in before it.
  const keep = new Set(nodes);
  for (const c of [...host.childNodes]) if (!keep.has(c)) c.remove();
  nodes.forEach((n, k) => {
    if (host.childNodes[k] !== n) host.insertBefore(n, host.childNodes[k] ?? null);
  });
}

/** A colour swatch, styled through CSSOM: a strict CSP blocks style attributes. */
export function swatch(color: string): HTMLElement {
  const e = el('span', { class: 'swatch' });
  e.style.background = color;
  return e;
}

/** A legend: a swatch and a label per entry. */
export function legend(entries: Array<[color: string, label: string]>): HTMLElement {
  const box = el('div', { class: 'legend-keys' });
  for (const [color, label] of entries) box.append(swatch(color), document.createTextNode(`${label}  `));
  return box;
}

/** A header row of a table. */
export function headerRow(labels: string[]): HTMLTableRowElement {
  const tr = el('tr');
  for (const h of labels) tr.append(el('th', {}, h));
  return tr;
}

/** Saves text as a file from a plain browser page (in VS Code the host writes files). */
export function download(name: string, content: BlobPart, type: string): void {
  const a = el('a', { href: URL.createObjectURL(new Blob([content], { type })), download: name });
  document.body.append(a);
  a.click();
  a.remove();
}
