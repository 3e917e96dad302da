import type { HostToWebview, WebviewToHost } from '../src/shared/protocol';

/** The part of VS Code's webview API the panels use; a static report provides its own. */
export interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare global {
  interface Window {
    acquireVsCodeApi?: () => VsCodeApi;
    /** set by a static report: messages to replay as if the host sent them */
    __LSMI_REPORT__?: HostToWebview[];
  }
}

/** VS Code's API inside a webview; in a plain browser (static report, tests) a stand-in that keeps state in memory. */
export function vscodeApi(): VsCodeApi {
  if (window.acquireVsCodeApi) return window.acquireVsCodeApi();
  let state: unknown;
  return {
    postMessage: (m) => window.dispatchEvent(new CustomEvent('lsmi-post', { detail: m })),
    getState: () => state,
    setState: (s) => { state = s; },
  };
}

export function onHostMessage(handler: (m: HostToWebview) => void): void {
  window.addEventListener('message', (e: MessageEvent<HostToWebview>) => handler(e.data));
  for (const m of window.__LSMI_REPORT__ ?? []) handler(m);
}
