/**
 * Download of one chart as PNG or SVG: posted to the host, which writes it through a save
 * dialog (a webview cannot download); a plain page (static report) downloads it itself.
 */
import { download, el } from '../dom';
import { button } from '../controls';
import { themeColor } from '../charts/canvas';
import { chartSvg, svgToPng } from '../charts/svg-export';
import type { Dashboard } from './state';

/** The file's bytes from base64 (PNG) or text (SVG), as a page download. */
function downloadFile(name: string, content: string, format: 'png' | 'svg'): void {
  if (format === 'png')
    download(
      name,
      Uint8Array.from(atob(content), (ch) => ch.charCodeAt(0)),
      'image/png',
    );
  else download(name, content, 'image/svg+xml');
}

export async function exportChart(d: Dashboard, plot: SVGSVGElement, title: string, format: 'png' | 'svg') {
  const svg = chartSvg(plot, title, themeColor('--vscode-editor-background', '#ffffff'));
  const [, , W, H] = (plot.getAttribute('viewBox') ?? '0 0 420 230').split(' ').map(Number);
  const content = format === 'svg' ? svg : await svgToPng(svg, W, H);
  d.vscode.postMessage({ type: 'export', id: d.exportId++, format, content });
  if (!window.acquireVsCodeApi) downloadFile(`${title.replace(/\W+/g, '-')}.${format}`, content, format);
}

/** "Download PNG" and "Download SVG" buttons of a chart, named with its title for assistive tech. */
export function downloadButtons(d: Dashboard, box: HTMLElement, title: string): HTMLElement {
  const bar = el('div', { class: 'chart-downloads' });
  for (const format of ['png', 'svg'] as const) {
    const b = button(
      format.toUpperCase(),
      `download-${format}`,
      () => {
        const plot = box.querySelector('svg');
        if (plot) void exportChart(d, plot, title, format);
      },
      true,
    );
    b.setAttribute('aria-label', `Download ${format.toUpperCase()} of ${title}`);
    b.setAttribute('title', `Download ${format.toUpperCase()} of ${title}`);
    bar.append(b);
  }
  return bar;
}
