/**
 * Linked brushing on the explorer's scatter: a rectangle dragged over the points selects the
 * samples inside it, and the table then shows only them (a filter until Clear selection or
 * Escape). The points' screen positions are computed once per drawn scatter (typed arrays),
 * so a drag tests 100k points in about a millisecond and touches no per-point DOM (Escape
 * anywhere in the panel clears the selection: view.ts). An overlay
 * canvas above the points holds the rectangle and the ring around the table's selected sample.
 */
import { el } from '../dom';
import { themeColor } from '../charts/canvas';
import type { Frame } from '../charts/frame';
import { Samples, setBrush } from './state';

/** The drawn points: data row, and x and y in CSS pixels of the canvas, per point. */
export interface Points {
  rows: Int32Array;
  px: Float32Array;
  py: Float32Array;
}

/** Marks the rows of the points inside [x0, x1] x [y0, y1] (CSS px, inclusive). */
export function pointsInside(p: Points, n: number, [x0, y0, x1, y1]: number[]): { mask: Uint8Array; count: number } {
  const mask = new Uint8Array(n);
  let count = 0;
  for (let k = 0; k < p.rows.length; k++) {
    const x = p.px[k],
      y = p.py[k];
    if (x >= x0 && x <= x1 && y >= y0 && y <= y1) {
      mask[p.rows[k]] = 1;
      count++;
    }
  }
  return { mask, count };
}

/**
 * Draws the rectangle (the one being dragged, else the brush's, when drawn on these points)
 * and the selected sample's ring.
 */
function paintOverlay(s: Samples, ctx: CanvasRenderingContext2D, drag?: number[]): void {
  ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  if (!s.scatter) return; // dropped for a rebuild (theme change)
  const { points: p, pointsKey } = s.scatter;
  const rect = drag ?? (s.brush?.key === pointsKey ? s.brush.rect : undefined);
  const accent = themeColor('--vscode-focusBorder', '#005fb8');
  if (rect) {
    const [x0, y0, x1, y1] = rect;
    ctx.fillStyle = accent;
    ctx.globalAlpha = 0.12;
    ctx.fillRect(x0, y0, x1 - x0, y1 - y0);
    ctx.globalAlpha = 1;
    ctx.strokeStyle = accent;
    ctx.setLineDash([4, 3]);
    ctx.strokeRect(x0, y0, x1 - x0, y1 - y0);
    ctx.setLineDash([]);
  }
  const k = s.selected >= 0 ? p.rows.indexOf(s.selected) : -1;
  if (k >= 0) {
    ctx.strokeStyle = themeColor('--vscode-editor-foreground', '#000');
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.arc(p.px[k], p.py[k], 6, 0, 2 * Math.PI);
    ctx.stroke();
    ctx.lineWidth = 1;
  }
}

/**
 * Puts an overlay over the scatter's canvas (inside `wrap`) that brushes the points drawn last
 * (s.scatter); sets s.mark to repaint the overlay.
 */
export function attachBrush(s: Samples, wrap: HTMLElement, f: Frame): void {
  const overlay = el('canvas', {
    class: 'brush',
    width: String(f.W * 2),
    height: String(f.H * 2),
    tabindex: '0',
    role: 'img',
    'aria-label': 'Scatter selection: drag a rectangle to select samples; Escape clears it',
  });
  Object.assign(overlay.style, { width: `${f.W}px`, height: `${f.H}px` });
  const ctx = overlay.getContext('2d')!;
  ctx.scale(2, 2);
  let start: [number, number] | undefined;
  let rect: number[] | undefined;
  const at = (e: PointerEvent): [number, number] => {
    const b = overlay.getBoundingClientRect();
    return [e.clientX - b.left, e.clientY - b.top];
  };
  overlay.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    try {
      overlay.setPointerCapture(e.pointerId); // the drag goes on outside the canvas
    } catch {
      // a synthetic pointer (tests, benchmarks) cannot be captured
    }
    overlay.focus();
    start = at(e);
    rect = undefined;
  });
  overlay.addEventListener('pointermove', (e) => {
    if (!start) return;
    const [x, y] = at(e);
    rect = [Math.min(start[0], x), Math.min(start[1], y), Math.max(start[0], x), Math.max(start[1], y)];
    paintOverlay(s, ctx, rect);
  });
  overlay.addEventListener('pointerup', () => {
    const r = rect;
    start = rect = undefined;
    // A click without a drag selects nothing: it leaves the current selection as it was.
    if (!r || (r[2] - r[0] < 2 && r[3] - r[1] < 2)) return paintOverlay(s, ctx);
    const { mask, count } = pointsInside(s.scatter!.points, s.data!.n, r);
    setBrush(s, { mask, count, key: s.scatter!.pointsKey, rect: [r[0], r[1], r[2], r[3]] });
    s.redraw();
  });
  wrap.append(overlay);
  s.mark = () => paintOverlay(s, ctx);
}
