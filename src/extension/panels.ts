import * as crypto from 'crypto';
import * as vscode from 'vscode';
import type { HostToWebview, WebviewToHost } from '../shared/protocol';

import { PANEL_STYLES, PanelName } from '../report/html';

export type PanelKind = PanelName;
export const VIEW_TYPE: Record<PanelKind, string> = {
  dashboard: 'lsmi.dashboard',
  samples: 'lsmi.samples',
  compare: 'lsmi.compare',
};
const TITLE: Record<PanelKind, string> = {
  dashboard: 'LSMI Dashboard',
  samples: 'LSMI Samples',
  compare: 'LSMI Compare',
};
// The same style sheets as the static report: dashboard.css holds the shared theme rules.
const STYLES = PANEL_STYLES;

/**
 * A webview panel running one bundle from dist/webview. The host sends `init` once the page
 * says it is ready, queues later messages until then, and hands the page's requests to `onMessage`.
 */
export class Panel {
  private ready = false;
  private pending: HostToWebview[] = [];

  constructor(
    readonly kind: PanelKind,
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly init: () => HostToWebview | undefined,
    private readonly onMessage: (m: WebviewToHost, p: Panel) => void,
  ) {
    const dist = vscode.Uri.joinPath(extensionUri, 'dist', 'webview'),
      media = vscode.Uri.joinPath(extensionUri, 'media');
    panel.webview.options = { enableScripts: true, localResourceRoots: [dist, media] };
    const w = panel.webview;
    const nonce = crypto.randomBytes(16).toString('base64');
    const links = STYLES[kind]
      .map((f) => `<link rel="stylesheet" href="${w.asWebviewUri(vscode.Uri.joinPath(media, f))}">`)
      .join('');
    w.html = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-${nonce}'; style-src ${w.cspSource}; img-src ${w.cspSource} data: blob:;">
<meta name="viewport" content="width=device-width, initial-scale=1">${links}<title>${TITLE[kind]}</title></head>
<body><div id="app"></div><script nonce="${nonce}" src="${w.asWebviewUri(vscode.Uri.joinPath(dist, `${kind}.js`))}"></script></body></html>`;
    w.onDidReceiveMessage((m: WebviewToHost) => {
      if (m.type === 'ready') {
        this.ready = true;
        const first = this.init();
        if (first) void w.postMessage(first);
        for (const p of this.pending.splice(0)) void w.postMessage(p);
      } else this.onMessage(m, this);
    });
  }

  static create(
    kind: PanelKind,
    extensionUri: vscode.Uri,
    init: () => HostToWebview | undefined,
    onMessage: (m: WebviewToHost, p: Panel) => void,
  ): Panel {
    const panel = vscode.window.createWebviewPanel(VIEW_TYPE[kind], TITLE[kind], vscode.ViewColumn.Active, {});
    return new Panel(kind, panel, extensionUri, init, onMessage);
  }

  post(m: HostToWebview): void {
    if (this.ready) void this.panel.webview.postMessage(m);
    else this.pending.push(m);
  }
}
