import { createRequire } from 'module';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';

/**
 * TensorFlow.js backend selection: tfjs-node-gpu, then tfjs-node (both optional native
 * addons), then wasm, then the plain cpu backend. The first that loads wins unless forced.
 */
export type BackendChoice = 'auto' | 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_CHOICES: BackendChoice[] = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

export interface BackendInfo {
  /** what we asked for and got, e.g. "wasm" or "tensorflow-gpu" */
  name: Exclude<BackendChoice, 'auto'>;
  /** tfjs's own backend name */
  tfBackend: string;
  /** why earlier candidates were skipped (for logs and --json) */
  skipped: string[];
}

let current: BackendInfo | undefined;

// A require that bundlers leave alone: the native addons must be resolved at run time.
const runtimeRequire = createRequire(__filename);

async function tryNode(pkg: string): Promise<void> {
  runtimeRequire(pkg);
  await tf.setBackend('tensorflow');
  await tf.ready();
}

/** Where the wasm binaries live: beside the bundle when packaged, else in node_modules. */
export function wasmDir(): string {
  const pkg = runtimeRequire.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return path.join(path.dirname(pkg), 'dist') + path.sep;
}

async function tryWasm(): Promise<void> {
  const wasm = runtimeRequire('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(wasmDir());
  if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend failed to initialise');
  await tf.ready();
}

async function tryCpu(): Promise<void> {
  runtimeRequire('@tensorflow/tfjs-backend-cpu');
  if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend failed to initialise');
  await tf.ready();
}

const LOADERS: Record<BackendInfo['name'], () => Promise<void>> = {
  'tensorflow-gpu': () => tryNode('@tensorflow/tfjs-node-gpu'),
  tensorflow: () => tryNode('@tensorflow/tfjs-node'),
  wasm: tryWasm,
  cpu: tryCpu,
};

export async function initBackend(choice: BackendChoice = 'auto'): Promise<BackendInfo> {
  if (current && (choice === 'auto' || choice === current.name)) return current;
  tf.env().set('PROD', true); // silences tfjs's "install the node backend" banner
  const order: Array<BackendInfo['name']> =
    choice === 'auto' ? ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] : [choice];
  const skipped: string[] = [];
  for (const name of order) {
    try {
      await LOADERS[name]();
      current = { name, tfBackend: tf.getBackend(), skipped };
      return current;
    } catch (e) {
      const msg = (e as Error).message.split('\n')[0];
      skipped.push(`${name}: ${msg}`);
    }
  }
  throw new Error(`no TensorFlow.js backend could be loaded (${skipped.join('; ')})`);
}
