import { EventEmitter } from 'events';
import * as path from 'path';
import chokidar, { FSWatcher } from 'chokidar';
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

  constructor(readonly roots: string[], private readonly opts: { stabilityMs?: number; usePolling?: boolean } = {}) {
    super();
    this.polling = !!opts.usePolling;
  }

  start(): void {
    const w = chokidar.watch(this.roots, {
      ignoreInitial: false,
      // Sizes must hold still this long before 'add'/'change'; the pipeline still validates fully.
      awaitWriteFinish: { stabilityThreshold: this.opts.stabilityMs ?? 300, pollInterval: 100 },
      ignored: (p: string) => {
        const base = path.basename(p);
        return base === '.lsmi' || base === 'node_modules' || base === '.git' || /\.tmp/.test(base);
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
    w.on('unlink', (p) => { if (isDumpFile(p)) this.emit('removed', p); });
    w.on('unlinkDir', (p) => this.emit('removed', p));
    w.on('ready', () => this.emit('ready'));
    w.on('error', (e: unknown) => {
      const code = (e as NodeJS.ErrnoException).code;
      if (!this.polling && (code === 'ENOSPC' || code === 'EMFILE')) {
        // The polling watcher rescans on start, so dumps written meanwhile are reported too.
        this.emit('warning', `file watching hit the system's limit (${code}); falling back to polling every 0.5 s`);
        this.polling = true;
        void w.close().then(() => this.start());
      } else this.emit('warning', `watcher error: ${(e as Error).message}`);
    });
    this.watcher = w;
  }

  async close(): Promise<void> {
    await this.watcher?.close();
  }
}
