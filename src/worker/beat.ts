/**
 * The worker process's liveness and cancel thread. A native-backend fit (tfjs-node) can block
 * the main thread's event loop for minutes: heartbeats sent from it would stop and the host
 * would kill a healthy worker, and an IPC 'cancel' would wait until the fit ends. This thread
 * has an event loop of its own: it writes a byte to the beat fd every second, and reads job
 * ids to cancel from the cancel fd into shared memory that the main thread polls between
 * epochs. It is unref'd (it never keeps the process alive) and stops quietly when the host is
 * gone (EPIPE, EBADF, end of stream).
 */
import { Worker } from 'worker_threads';

/** How many recent cancel requests the shared ring remembers. */
const RING = 16;

// Plain JavaScript run with `eval: true`, so it works the same compiled by tsc or bundled by esbuild.
const THREAD_CODE = `
const { workerData } = require('worker_threads');
const fs = require('fs');
const { beatFd, cancelFd, intervalMs, ring } = workerData;
const cancels = new Int32Array(ring);
const slots = cancels.length - 1;
const one = Buffer.from([1]);
const beat = () => {
  try { fs.writeSync(beatFd, one); } catch { clearInterval(timer); } // host gone: stop beating, never throw
};
const timer = setInterval(beat, intervalMs);
beat();
if (cancelFd >= 0) {
  const net = require('net');
  let pending = '';
  try {
    const input = new net.Socket({ fd: cancelFd, readable: true, writable: false });
    input.setEncoding('latin1');
    input.on('data', (chunk) => {
      pending += chunk;
      let nl;
      while ((nl = pending.indexOf('\\n')) >= 0) {
        const id = Number(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
        if (Number.isInteger(id) && id > 0) Atomics.store(cancels, 1 + (Atomics.add(cancels, 0, 1) % slots), id);
      }
    });
    input.on('error', () => undefined);
  } catch { /* no cancel channel: IPC cancels still work between tasks */ }
}
`;

export interface BeatThread {
  /** Has the host asked, over the side channel, to cancel job `id`? Cheap: call it often. */
  cancelRequested(id: number): boolean;
  stop(): Promise<void>;
}

/**
 * Start the thread; `beatFd` gets a byte every `intervalMs`, `cancelFd` (optional, -1 for none)
 * is read for job ids. Returns undefined when threads cannot be started: IPC heartbeats remain.
 */
export function startBeatThread(beatFd: number, cancelFd = -1, intervalMs = 1000): BeatThread | undefined {
  const ring = new SharedArrayBuffer(4 * (RING + 1));
  const cancels = new Int32Array(ring);
  let worker: Worker;
  try {
    worker = new Worker(THREAD_CODE, { eval: true, workerData: { beatFd, cancelFd, intervalMs, ring } });
  } catch {
    return undefined;
  }
  worker.on('error', () => undefined); // a failed beat thread must not take the worker down
  worker.unref();
  return {
    cancelRequested(id: number): boolean {
      for (let i = 1; i <= RING; i++) if (Atomics.load(cancels, i) === id) return true;
      return false;
    },
    stop: async () => {
      await worker.terminate();
    },
  };
}

/** The fds named by the host in the environment (see protocol.ts), or -1. */
export function fdFromEnv(name: string): number {
  const v = process.env[name];
  const fd = v === undefined || v === '' ? NaN : Number(v);
  return Number.isInteger(fd) && fd >= 0 ? fd : -1;
}

/**
 * `ctl.signal`, whose `aborted` also turns true once `requested()` does: the engine's
 * cancellation checks (per epoch, per iteration, between tasks) read `signal.aborted`
 * synchronously, so a cancel that arrived on the side channel while the event loop was blocked
 * aborts the run at the next check, with the same 'abort' event as ctl.abort() (which it calls).
 */
export function pollingSignal(ctl: AbortController, requested: () => boolean): AbortSignal {
  const signal = ctl.signal;
  const own = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted')?.get;
  if (!own) return signal;
  Object.defineProperty(signal, 'aborted', {
    configurable: true,
    get(): boolean {
      if (!own.call(signal) && requested()) ctl.abort();
      return own.call(signal) as boolean;
    },
  });
  return signal;
}
