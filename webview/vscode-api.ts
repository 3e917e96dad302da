import type { EmbeddedArray, HostToWebview, WebviewToHost } from '../src/shared/protocol';

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

/**
 * A stand-in for a plain browser (static report, tests): state in memory; each message is
 * announced as an 'lsmi-post' event (tests read them there) and handed to `onPost`.
 */
export function memoryApi(onPost?: (m: WebviewToHost) => void): VsCodeApi {
  let state: unknown;
  return {
    postMessage: (m) => {
      window.dispatchEvent(new CustomEvent('lsmi-post', { detail: m }));
      onPost?.(m);
    },
    getState: () => state,
    setState: (s) => {
      state = s;
    },
  };
}

/** VS Code's API inside a webview, else the in-memory stand-in. */
export function vscodeApi(): VsCodeApi {
  return window.acquireVsCodeApi ? window.acquireVsCodeApi() : memoryApi();
}

/** Turns a report's embedded arrays back into typed arrays (in place, depth first). */
function revive(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(revive);
  if (!v || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  if (typeof o.$typed === 'string' && typeof o.base64 === 'string') {
    const e = o as unknown as EmbeddedArray;
    const bin = atob(e.base64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return e.$typed === 'Float32Array'
      ? new Float32Array(bytes.buffer)
      : e.$typed === 'Int32Array'
        ? new Int32Array(bytes.buffer)
        : new Float64Array(bytes.buffer);
  }
  for (const k of Object.keys(o)) o[k] = revive(o[k]);
  return o;
}

/** Messages a static report embeds, ready to replay as if the host had sent them. */
export function reportMessages(): HostToWebview[] {
  return (window.__LSMI_REPORT__ ?? []).map((m) => revive(m) as HostToWebview);
}

export function onHostMessage(handler: (m: HostToWebview) => void): void {
  window.addEventListener('message', (e: MessageEvent<HostToWebview>) => handler(e.data));
  for (const m of reportMessages()) handler(m);
}

/**
 * A panel draws into `root` and talks through `api`; it returns the handler of host messages.
 * VS Code runs one panel per page; the static report mounts all of them on one page.
 */
export type Mount = (root: HTMLElement, api: VsCodeApi) => (m: HostToWebview) => void;

/** A panel as a page of its own: in a VS Code webview, or a test page with replayed messages. */
export function standalone(mount: Mount): void {
  const api = vscodeApi();
  onHostMessage(mount(document.getElementById('app')!, api));
  api.postMessage({ type: 'ready' });
}
