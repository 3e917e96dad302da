/**
 * Dashboard panel: R, U1, U2, S against epoch (or step) for each run, one small multiple per
 * interaction, the composition of the latest checkpoint as shares, a run filter, smoothing,
 * hover read-out, live updates and CSV/JSON export. It draws what the host sends, nothing more.
 */
import { CheckpointPoint, INTERACTIONS, Interaction, RunSeries, runColorIndex, toCsv, xOf } from '../../src/shared/protocol';

/** A value with its confidence interval when the checkpoint has one: "0.345 [0.329, 0.355]". */
function valueText(p: CheckpointPoint, key: Interaction): string {
  const iv = p.intervals?.[key];
  return iv ? `${p[key].toFixed(3)} [${iv[0].toFixed(3)}, ${iv[1].toFixed(3)}]` : p[key].toFixed(3);
}
import type { Mount } from '../vscode-api';
import { download, el, headerRow, legend, swatch } from '../dom';
import { button, checkbox, select } from '../controls';
import { niceTicks } from '../ticks';
import { PALETTE, paletteCss } from '../palette';

export const mountDashboard: Mount = (root, vscode) => {
  const SVG = 'http://www.w3.org/2000/svg';
  const LABEL: Record<Interaction, string> = { R: 'Redundancy R', U1: 'Uniqueness U1', U2: 'Uniqueness U2', S: 'Synergy S' };

  /** `layout`: runs overlaid in one chart per interaction, or one chart (small multiple) per run. */
  interface State { hidden: string[]; smoothing: number; layout: 'interaction' | 'run' }
  const saved = (vscode.getState() as Partial<State> | undefined) ?? {};
  let state: State = { hidden: saved.hidden ?? [], smoothing: saved.smoothing ?? 0, layout: saved.layout ?? 'interaction' };
  let runs: RunSeries[] = [];
  let title = 'LSMI';
  let exportId = 1;

  /**
   * Each run keeps the colour of its name's hash slot; on a collision the later run (by name)
   * takes the next free slot, so runs on screen never share a colour while slots last.
   */
  let slots = new Map<string, number>();
  function assignColors(): void {
    const used = new Set<number>();
    slots = new Map();
    for (const run of runs.map((r) => r.run).sort()) {
      let i = runColorIndex(run, PALETTE.length);
      for (let k = 0; k < PALETTE.length && used.has(i); k++) i = (i + 1) % PALETTE.length;
      used.add(i);
      slots.set(run, i);
    }
  }

  function colorOf(run: string): string {
    return paletteCss(slots.get(run) ?? runColorIndex(run, PALETTE.length));
  }


  function svg(tag: string, attrs: Record<string, string | number>): SVGElement {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    return e;
  }

  /** Exponential moving average, as training dashboards smooth noisy curves. */
  function smooth(values: number[], a: number): number[] {
    let acc = values[0];
    return values.map((v, i) => (acc = i === 0 ? v : a * acc + (1 - a) * v));
  }

  function visibleRuns(): RunSeries[] {
    return runs.filter((r) => !state.hidden.includes(r.run) && r.points.length > 0);
  }

  function save(): void {
    vscode.setState(state);
  }

  /** One line of a chart: a run's values of one interaction. */
  interface Series { run: string; name: string; key: Interaction; color: string; label: string }

  /** Colours of the interactions when a chart holds one run (the same as the composition bars). */
  const KEY_COLOR: Record<Interaction, string> = {
    R: 'var(--vscode-charts-blue, #3794ff)', U1: 'var(--vscode-charts-green, #89d185)',
    U2: 'var(--vscode-charts-yellow, #cca700)', S: 'var(--vscode-charts-red, #f14c4c)',
  };

  /** Above this many checkpoints per line, charts draw lines without dots. */
  const MAX_DOTS = 40;

  const at = (p: CheckpointPoint) => (p.step !== undefined ? `step ${p.step}` : `epoch ${p.epoch}`);

  /**
   * A line chart of some series against epoch (or step). `attrs` name the chart for tests and
   * assistive tech: by interaction (runs overlaid) or by run (small multiples).
   */
  function drawChart(heading: string, attrs: Record<string, string>, series: Series[]): HTMLElement {
    const W = 420, H = 230, m = { l: 48, r: 12, t: 10, b: 34 };
    const box = el('section', { class: 'chart', ...attrs });
    box.append(el('h2', {}, heading));
    const plot = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${heading} by checkpoint` });
    const runOf = new Map(runs.map((r) => [r.run, r]));
    const pointsOf = (s: Series) => [...runOf.get(s.run)!.points].sort((a, b) => xOf(a) - xOf(b));
    const xs = series.flatMap((s) => pointsOf(s).map(xOf));
    const ys = series.flatMap((s) => pointsOf(s).map((p) => p[s.key]));
    const x0 = Math.min(...xs, 0), x1 = Math.max(...xs, 1);
    const yAxis = niceTicks(Math.min(0, ...ys), Math.max(0.05, ...ys));
    const y0 = yAxis.lo, y1 = yAxis.hi;
    const sx = (x: number) => m.l + ((x - x0) / (x1 - x0 || 1)) * (W - m.l - m.r);
    const sy = (y: number) => H - m.b - ((y - y0) / (y1 - y0 || 1)) * (H - m.t - m.b);
    for (const y of yAxis.ticks) {
      plot.append(svg('line', { x1: m.l, x2: W - m.r, y1: sy(y), y2: sy(y), class: 'grid' }));
      const t = svg('text', { x: m.l - 6, y: sy(y) + 4, class: 'tick', 'text-anchor': 'end' });
      t.textContent = y.toFixed(Math.max(2, yAxis.decimals));
      plot.append(t);
    }
    // x ticks at checkpoints (at most 8, evenly picked) so epochs can be read off the axis.
    const xsUnique = [...new Set(xs)].sort((a, b) => a - b);
    const every = Math.ceil(xsUnique.length / 8);
    xsUnique.filter((_, i) => i % every === 0).forEach((x) => {
      const t = svg('text', { x: sx(x), y: H - m.b + 12, class: 'tick', 'text-anchor': 'middle' });
      t.textContent = String(x);
      plot.append(t);
    });
    const xt = svg('text', { x: (W + m.l) / 2, y: H - 2, class: 'tick', 'text-anchor': 'middle' });
    xt.textContent = series.some((s) => runOf.get(s.run)!.points.some((p) => p.step !== undefined)) ? 'step' : 'epoch';
    plot.append(xt, svg('line', { x1: m.l, x2: W - m.r, y1: sy(0), y2: sy(0), class: 'axis' }));
    const smoothed = series.map((s) => {
      const pts = pointsOf(s);
      return { s, pts, ys: smooth(pts.map((p) => p[s.key]), state.smoothing) };
    }).filter((q) => q.pts.length);
    // Dots (each a tab stop with a tooltip) while they are few; dense charts are read with the rule.
    const dots = smoothed.every((q) => q.pts.length <= MAX_DOTS);
    for (const { s, pts, ys: ys2 } of smoothed) {
      const d = pts.map((p, i) => `${i ? 'L' : 'M'}${sx(xOf(p)).toFixed(1)},${sy(ys2[i]).toFixed(1)}`).join('');
      plot.append(svg('path', { d, class: 'line', stroke: s.color, 'data-run': s.run, 'data-interaction': s.key }));
      if (!dots) continue;
      pts.forEach((p, i) => {
        const c = svg('circle', { cx: sx(xOf(p)), cy: sy(ys2[i]), r: 3.5, fill: s.color, class: 'point', tabindex: 0, 'data-run': s.run, 'data-interaction': s.key, 'data-file': p.file });
        const t = svg('title', {});
        t.textContent = `${s.name} · ${at(p)} · ${s.key} ${valueText(p, s.key)} nats`;
        c.append(t);
        plot.append(c);
      });
    }
    const open = (run: string, file: string) => vscode.postMessage({ type: 'openCheckpoint', run, file });
    // The rule and read-out show every line's checkpoint nearest an x; a ring marks the line in focus.
    const rule = svg('line', { y1: m.t, y2: H - m.b, class: 'rule', visibility: 'hidden' });
    const ring = svg('circle', { r: 6, class: 'ring', visibility: 'hidden' });
    plot.append(rule, ring);
    const readout = el('div', { class: 'readout', 'aria-live': 'polite' });
    const nearest = (x: number) => smoothed.map((q) => {
      let best = 0;
      q.pts.forEach((p, i) => { if (Math.abs(xOf(p) - x) < Math.abs(xOf(q.pts[best]) - x)) best = i; });
      return { q, i: best };
    });
    const showAt = (x: number, focus?: number) => {
      const parts = nearest(x);
      if (!parts.length) return parts;
      const px = sx(xOf(parts[0].q.pts[parts[0].i]));
      rule.setAttribute('x1', String(px)); rule.setAttribute('x2', String(px)); rule.setAttribute('visibility', 'visible');
      readout.textContent = parts.map(({ q, i }) => `${q.s.label} ${at(q.pts[i])}: ${valueText(q.pts[i], q.s.key)}`).join('   ');
      if (focus !== undefined) {
        const { q, i } = parts[focus];
        ring.setAttribute('cx', String(sx(xOf(q.pts[i])))); ring.setAttribute('cy', String(sy(q.ys[i]))); ring.setAttribute('stroke', q.s.color);
        ring.setAttribute('visibility', 'visible');
        readout.textContent = `${q.s.label} ${at(q.pts[i])}: ${valueText(q.pts[i], q.s.key)} nats (Enter opens it) · ${readout.textContent}`;
      }
      return parts;
    };
    const pointer = (ev: MouseEvent) => {
      const rect = (plot as SVGSVGElement).getBoundingClientRect();
      return { x: x0 + ((ev.clientX - rect.left) * (W / rect.width) - m.l) / (W - m.l - m.r) * (x1 - x0), py: (ev.clientY - rect.top) * (H / rect.height) };
    };
    plot.addEventListener('mousemove', (ev) => { showAt(pointer(ev as MouseEvent).x); });
    plot.addEventListener('mouseleave', () => { rule.setAttribute('visibility', 'hidden'); ring.setAttribute('visibility', 'hidden'); readout.textContent = ''; });
    // A click on a dot opens its checkpoint; elsewhere, the checkpoint of the line nearest the pointer.
    plot.addEventListener('click', (ev) => {
      const dot = (ev.target as Element).closest('circle.point');
      if (dot) { open(dot.getAttribute('data-run')!, dot.getAttribute('data-file')!); return; }
      const { x, py } = pointer(ev as MouseEvent);
      const parts = nearest(x);
      if (!parts.length) return;
      const { q, i } = parts.reduce((a, b) => (Math.abs(sy(b.q.ys[b.i]) - py) < Math.abs(sy(a.q.ys[a.i]) - py) ? b : a));
      open(q.s.run, q.pts[i].file);
    });
    // Keyboard: the chart is a tab stop; arrows move between checkpoints (left, right) and lines (up, down).
    const xsSorted = [...new Set(smoothed.flatMap((q) => q.pts.map(xOf)))].sort((a, b) => a - b);
    let kx = xsSorted.length - 1, ks = 0;
    plot.setAttribute('tabindex', '0');
    plot.setAttribute('aria-label', `${heading} by checkpoint: arrow keys move between checkpoints and lines, Enter opens one`);
    plot.addEventListener('focus', () => { if (!(document.activeElement instanceof SVGCircleElement)) showAt(xsSorted[kx], ks); });
    plot.addEventListener('blur', () => { ring.setAttribute('visibility', 'hidden'); });
    plot.addEventListener('keydown', (ev) => {
      const e = ev as KeyboardEvent;
      const dot = (e.target as Element).closest('circle.point');
      if (e.key === 'Enter' && dot) { open(dot.getAttribute('data-run')!, dot.getAttribute('data-file')!); return; }
      if (e.target !== plot || !xsSorted.length) return;
      const moves: Record<string, () => void> = {
        ArrowLeft: () => { kx = Math.max(0, kx - 1); }, ArrowRight: () => { kx = Math.min(xsSorted.length - 1, kx + 1); },
        ArrowUp: () => { ks = (ks + smoothed.length - 1) % smoothed.length; }, ArrowDown: () => { ks = (ks + 1) % smoothed.length; },
        Home: () => { kx = 0; }, End: () => { kx = xsSorted.length - 1; },
      };
      if (moves[e.key]) { e.preventDefault(); moves[e.key](); showAt(xsSorted[kx], ks); }
      else if (e.key === 'Enter') {
        const { q, i } = nearest(xsSorted[kx])[ks];
        open(q.s.run, q.pts[i].file);
      }
    });
    box.append(plot, readout);
    if (attrs['data-run'] !== undefined) box.append(keyLegend());
    return box;
  }

  /** Which colour is which interaction (one-run charts and the composition bars share them). */
  function keyLegend(): HTMLElement {
    return legend(INTERACTIONS.map((k) => [KEY_COLOR[k], k]));
  }

  /** Runs overlaid: one chart per interaction. */
  function chartsByInteraction(): HTMLElement[] {
    return INTERACTIONS.map((k) => drawChart(LABEL[k], { 'data-interaction': k },
      visibleRuns().map((r) => ({ run: r.run, name: r.name, key: k, color: colorOf(r.run), label: r.name }))));
  }

  /** Small multiples: one chart per run (fusion configuration) holding its R, U1, U2, S. */
  function chartsByRun(): HTMLElement[] {
    return visibleRuns().map((r) => drawChart(`${r.name}${r.fusion ? ` (${r.fusion})` : ''}`, { 'data-run': r.run },
      INTERACTIONS.map((k) => ({ run: r.run, name: r.name, key: k, color: KEY_COLOR[k], label: k }))));
  }

  /** Shares of R, U1, U2, S in the latest checkpoint of each run (negative parts count as 0). */
  function drawComposition(): HTMLElement {
    const box = el('section', { class: 'composition' });
    box.append(el('h2', {}, 'Composition at the latest checkpoint'), keyLegend());
    const table = el('table');
    table.append(headerRow(['run', 'checkpoint', 'shares of I(X1,X2;Y)', 'R', 'U1', 'U2', 'S']));
    for (const r of visibleRuns()) {
      const p = [...r.points].sort((a, b) => xOf(b) - xOf(a))[0];
      const pos = INTERACTIONS.map((k) => Math.max(0, p[k]));
      const total = pos.reduce((a, b) => a + b, 0) || 1;
      const tr = el('tr', { 'data-run': r.run });
      const name = el('td');
      name.append(swatch(colorOf(r.run)), document.createTextNode(r.name));
      const bar = el('td');
      const stack = el('div', { class: 'stack', role: 'img', 'aria-label': INTERACTIONS.map((k, i) => `${k} ${(100 * pos[i] / total).toFixed(0)}%`).join(', ') });
      INTERACTIONS.forEach((k, i) => {
        const share = el('span', { class: `share share-${k}`, title: `${k} ${(100 * pos[i] / total).toFixed(1)}%` });
        share.style.width = `${(100 * pos[i] / total).toFixed(2)}%`;
        stack.append(share);
      });
      bar.append(stack);
      tr.append(name, el('td', {}, p.step !== undefined ? `step ${p.step}` : `epoch ${p.epoch}`), bar, ...INTERACTIONS.map((k) => el('td', { class: 'num' }, p[k].toFixed(3))));
      table.append(tr);
    }
    box.append(table);
    return box;
  }

  function doExport(format: 'csv' | 'json'): void {
    const content = format === 'csv' ? toCsv(runs) : JSON.stringify({ units: 'nats', runs }, null, 2);
    vscode.postMessage({ type: 'export', id: exportId++, format, content });
    if (!window.acquireVsCodeApi) download(`lsmi-${title.replace(/\W+/g, '-')}.${format}`, content, format === 'csv' ? 'text/csv' : 'application/json');
  }

  function render(): void {
    assignColors();
    const app = root;
    app.replaceChildren();
    const header = el('header');
    header.append(el('h1', {}, title));
    const filter = el('fieldset', { class: 'filter' });
    filter.append(el('legend', {}, 'Runs'));
    for (const r of runs) {
      filter.append(checkbox([swatch(colorOf(r.run)), `${r.name}${r.fusion ? ` (${r.fusion})` : ''}`], !state.hidden.includes(r.run), { 'data-run': r.run }, (on) => {
        state = { ...state, hidden: on ? state.hidden.filter((h) => h !== r.run) : [...state.hidden, r.run] };
        save(); render();
      }));
    }
    const layout = select([{ value: 'interaction', label: 'Runs overlaid' }, { value: 'run', label: 'One chart per run' }], state.layout,
      { class: 'layout-select', 'aria-label': 'Layout' }, (v) => { state = { ...state, layout: v as State['layout'] }; save(); render(); });
    // No slider among the web components: a native range input, coloured by the theme.
    const smoothing = el('label', { class: 'smoothing' }, 'Smoothing ');
    const slider = el('input', { type: 'range', min: '0', max: '0.9', step: '0.1', value: String(state.smoothing), 'aria-label': 'Smoothing' });
    slider.addEventListener('change', () => { state = { ...state, smoothing: Number(slider.value) }; save(); render(); });
    smoothing.append(slider);
    header.append(filter, layout, smoothing,
      button('Export CSV', 'export-csv', () => doExport('csv'), true), button('Export JSON', 'export-json', () => doExport('json'), true));
    app.append(header);
    if (!visibleRuns().length) {
      app.append(el('p', { class: 'empty' }, runs.length ? 'All runs are hidden.' : 'No analysed checkpoints yet: they appear here as training writes them.'));
      return;
    }
    const grid = el('div', { class: 'grid' });
    grid.append(...(state.layout === 'run' ? chartsByRun() : chartsByInteraction()));
    app.append(grid, drawComposition(), el('p', { class: 'note' }, 'Values in nats (LSMI, adjusted). Click a point to open that checkpoint.'));
  }

  function upsert(run: string, name: string, point: CheckpointPoint): void {
    let r = runs.find((x) => x.run === run);
    if (!r) { r = { run, name, points: [] }; runs.push(r); }
    r.points = [...r.points.filter((p) => p.file !== point.file), point];
  }

  return (m) => {
    if (m.type === 'init' && m.view === 'dashboard') { runs = m.runs.map((r) => ({ ...r, points: [...r.points] })); title = m.title; render(); }
    else if (m.type === 'checkpoint') { upsert(m.run, m.name, m.point); render(); }
  };
};
