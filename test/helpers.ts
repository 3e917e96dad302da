import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { encodeNpy } from '../src/io/npy';
import { HostTensor, fromNumbers } from '../src/io/tensor';

export function tempDir(prefix = 'lsmi-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A small valid dump: two classes, x1 [n x 3], x2 [n x 2]. */
export function smallTensors(n = 12): Map<string, HostTensor> {
  const x1: number[] = [],
    x2: number[] = [],
    y: number[] = [];
  for (let i = 0; i < n; i++) {
    y.push(i % 2);
    x1.push(i, i * 0.5, -i);
    x2.push(Math.sin(i), Math.cos(i));
  }
  return new Map([
    ['x1', fromNumbers('f32', [n, 3], x1)],
    ['x2', fromNumbers('f32', [n, 2], x2)],
    ['y', fromNumbers('i64', [n], y)],
  ]);
}

/** The .npy members of a dump, as an npz's members map. */
export function npyMembers(t: Map<string, HostTensor>): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (const [k, v] of t) out[`${k}.npy`] = encodeNpy(v);
  return out;
}

export const REPO = path.resolve(__dirname, '..', '..');
export const CLI = path.join(REPO, 'bin', 'lsmi.js');
