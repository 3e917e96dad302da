/**
 * Worker-thread entry: runs estimator tasks on its own TensorFlow.js instance. tfjs-wasm in
 * Node is single-threaded, so two of these use a laptop's two cores. A task runs to its end
 * synchronously; cancelling one terminates its thread (TaskPool/TaskGroup.cancel).
 */
import { parentPort, workerData } from 'worker_threads';
import { BackendChoice, initBackend } from './backend';
import { runTask } from './tasks';
import type { PoolRequest, PoolReply } from './pool';

const port = parentPort;
if (!port) throw new Error('fold-worker must run in a worker thread');
const post = (m: PoolReply) => port.postMessage(m);
// The backend loads as the thread starts, before its first task arrives (TaskPool.warm).
const preload = (workerData as { backend?: string } | null)?.backend;
const loading = preload ? initBackend(preload as BackendChoice).catch(() => undefined) : undefined;

port.on('message', async (msg: PoolRequest) => {
  try {
    await loading;
    await initBackend(msg.backend as BackendChoice);
    const result = runTask(msg.task, { onEpoch: (epoch) => post({ id: msg.id, type: 'epoch', epoch }) });
    post({ id: msg.id, type: 'done', result });
  } catch (e) {
    post({ id: msg.id, type: 'error', message: (e as Error).message ?? String(e), stack: (e as Error).stack });
  }
});
