import { EventEmitter } from 'events';
import * as path from 'path';
import chokidar, { FSWatcher } from 'chokidar';
import { STATE_DIR_NAME } from './layout';
import { isDumpDir, isDumpFile } from './naming';

/**
 * Watches runs roots for dumps: `.npz`/`.safetensors` files and `.npy` folders. Emits
 * 'file' for every file added or changed, 'dump' (path) when a dump appears or changes, including those present at start, 'removed'
 * when one goes, 'ready' after the initial scan, and 'warning' (text) when it has to fall
 * back to polling (inotify limits).
 */
export class DumpWatcher extends EventEmitter {
  private watcher?: FSWatcher;
  private polling = false;
  private closed = false;

  constructor(
    readonly roots: string[],
    private readonly opts: { stabilityMs?: number; usePolling?: boolean } = {},
  ) {
    super();
    this.polling = !!opts.usePolling;
  }

  start(): void {
    if (this.closed) return;
    const w = chokidar.watch(this.roots, {
      // A link in a runs root may point anywhere: it is reported as itself, never entered.
      followSymlinks: false,
      ignoreInitial: false,
      // Sizes must hold still this long before 'add'/'change'; the pipeline still validates fully.
      awaitWriteFinish: { stabilityThreshold: this.opts.stabilityMs ?? 300, pollInterval: 100 },
      ignored: (p: string) => {
        const base = path.basename(p);
        return base === STATE_DIR_NAME || base === 'node_modules' || base === '.git' || /\.tmp/.test(base);
      },
      depth: 4,
      usePolling: this.polling,
      interval: 500,
    });
    const onFile = (p: string) => {
      this.emit('file', p);
      if (isDumpFile(p)) this.emit('dump', p);
      else if (p.endsWith('.npy') || path.basename(p) === 'meta.json') {
        const dir = path.dirname(p);
        if (isDumpDir(dir)) this.emit('dump', dir);
      }
    };
    w.on('add', onFile);
    w.on('change', onFile);
    w.on('unlink', (p) => {
      if (isDumpFile(p)) this.emit('removed', p);
    });
    w.on('unlinkDir', (p) => this.emit('removed', p));
    w.on('ready', () => this.emit('ready'));
    w.on('error', (e: unknown) => {
      const code = (e as NodeJS.ErrnoException).code;
      if (!this.polling && (code === 'ENOSPC' || code === 'EMFILE')) {
        // The polling watcher rescans on start, so dumps written meanwhile are reported too.
        this.emit('warning', `file watching hit the system's limit (${code}); falling back to polling every 0.5 s`);
        this.polling = true;
        // The old watcher's listeners go with it, so a restart never reports a file twice.
        w.removeAllListeners();
        w.on('error', () => undefined); // an 'error' with no listener would throw
        this.watcher = undefined;
        void w.close().then(() => this.start());
      } else this.emit('warning', `watcher error: ${(e as Error).message}`);
    });
    this.watcher = w;
  }

  /** Stop watching, including a polling watcher started after a fallback (it never starts after close). */
  async close(): Promise<void> {
    this.closed = true;
    const w = this.watcher;
    this.watcher = undefined;
    w?.removeAllListeners();
    w?.on('error', () => undefined);
    await w?.close();
  }
}
