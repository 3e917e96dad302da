/**
 * Canvas scatters (sample explorer, compare panel): a canvas at twice its CSS size, so points
 * stay sharp on high-density screens, and the frame and labels in the theme's colours. A
 * canvas takes no CSS variables, so colours are read from the page when it draws.
 */
import { el } from '../dom';
import { Frame, plotHeight, plotWidth } from './frame';

/** A canvas of the frame's size in CSS pixels, with twice as many device pixels. */
export function hiDpiCanvas(f: Frame, attrs: Record<string, string>): HTMLCanvasElement {
  const canvas = el('canvas', { width: String(f.W * 2), height: String(f.H * 2), ...attrs });
  canvas.style.width = `${f.W}px`;
  canvas.style.height = `${f.H}px`;
  return canvas;
}

/** The canvas's 2D context, drawing in CSS pixels. */
export function context2x(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const ctx = canvas.getContext('2d')!;
  ctx.scale(2, 2);
  return ctx;
}

/** A theme colour by its CSS variable, with a fallback for pages outside VS Code. */
export function themeColor(variable: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(variable).trim() || fallback;
}

/** The plot area's border; the stroke colour stays set for lines drawn after it. */
export function strokeFrame(ctx: CanvasRenderingContext2D, f: Frame): void {
  ctx.strokeStyle = themeColor('--vscode-editorWidget-border', '#d4d4d4');
  ctx.strokeRect(f.l, f.t, plotWidth(f), plotHeight(f));
}

/** Sets the colour and font of axis labels. */
export function labelStyle(ctx: CanvasRenderingContext2D): void {
  ctx.fillStyle = themeColor('--vscode-descriptionForeground', '#6b6b6b');
  ctx.font = '10px sans-serif';
}
