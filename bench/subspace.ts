/**
 * What the MLP probes' principal-axes input (Settings.probeDim) does to the estimates on real
 * high-dimensional features: Fashion-MNIST's 10,000 test images cut into a top and a bottom
 * half (392 pixels each, x1 and x2; the label is y), analysed with every z-scored column
 * (probeDim 0) and on the top 64, 128 (the default) and 256 principal axes. Printed per
 * setting and estimator seed (0, 1): R, U1, U2, S, the three mean i, the probes' held-out
 * accuracy and cross-entropy, how many folds the MLP candidate won, and the time; then the
 * largest difference from probeDim 0 beside the two seeds' own difference (the noise floor). Needs Debian's dataset-fashion-mnist (.ci/run installs it); without it, says so.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { BackendInfo, initBackend } from '../src/core/backend';
import { Result, analyze } from '../src/core/estimator';
import { toDump } from '../src/io/dump';

const DATA = '/usr/share/datasets/fashion-mnist';
const HALF = 14 * 28;

/** An IDX file of unsigned bytes, gzipped (LeCun's format). */
function readIdx(file: string): { dims: number[]; data: Uint8Array } {
  const buf = zlib.gunzipSync(fs.readFileSync(file));
  if (buf.readUInt32BE(0) >>> 8 !== 0x08) throw new Error(`${file}: not an IDX file of unsigned bytes`);
  const dims = Array.from({ length: buf[3] }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  return { dims, data: buf.subarray(4 + 4 * dims.length) };
}

function halves() {
  const images = readIdx(path.join(DATA, 't10k-images-idx3-ubyte.gz'));
  const labels = readIdx(path.join(DATA, 't10k-labels-idx1-ubyte.gz'));
  const n = images.dims[0];
  const top = new Float32Array(n * HALF),
    bottom = new Float32Array(n * HALF);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < HALF; j++) {
      top[i * HALF + j] = images.data[i * 2 * HALF + j] / 255;
      bottom[i * HALF + j] = images.data[i * 2 * HALF + HALF + j] / 255;
    }
  return toDump('fashion-mnist t10k halves', {
    tensors: new Map([
      ['x1', { dtype: 'f32', shape: [n, HALF], data: top }],
      ['x2', { dtype: 'f32', shape: [n, HALF], data: bottom }],
      ['y', { dtype: 'i32', shape: [n], data: Int32Array.from(labels.data.subarray(0, n)) }],
    ]),
    metadata: {},
  });
}

const f3 = (v: number) => v.toFixed(3).padStart(6);

function line(p: number, r: Result): string {
  const d = r.main.dataset;
  const i = r.main.info;
  const probes = r.probes
    .map(
      (q) =>
        `${q.modality} ${(100 * q.accuracy).toFixed(1)}% ${q.crossEntropy.toFixed(3)} mlp ${q.model?.filter((m) => m === 'mlp').length ?? 0}/${q.model?.length ?? 0}`,
    )
    .join(', ');
  return (
    `  probeDim ${String(p).padStart(3)}: R ${f3(d.R)} U1 ${f3(d.U1)} U2 ${f3(d.U2)} S ${f3(d.S)} | I1 ${f3(i.I1)} I2 ${f3(i.I2)} I12 ${f3(i.I12)}` +
    ` | ${probes} | MLP ${(r.timings.mlpProbeFits ?? 0).toFixed(1)} task-s, ${r.seconds.toFixed(1)} s`
  );
}

export async function subspaceBench(backend?: BackendInfo): Promise<void> {
  console.log(
    '\nsubspace: MLP probes on every z-scored column vs on the top principal axes (Fashion-MNIST halves, D = 392)',
  );
  if (!fs.existsSync(DATA)) {
    console.log(`  skipped: ${DATA} is missing (Debian package dataset-fashion-mnist)`);
    return;
  }
  const be = backend ?? (await initBackend('auto'));
  const dump = halves();
  const keys = ['R', 'U1', 'U2', 'S'] as const;
  const diff = (a: Result, b: Result) => Math.max(...keys.map((k) => Math.abs(a.main.dataset[k] - b.main.dataset[k])));
  // Two estimator seeds per setting: their spread is the noise any difference is measured against.
  const runs = new Map<number, Result[]>();
  for (const p of [0, 64, 128, 256])
    for (const seed of [0, 1]) {
      const r = await analyze(dump, { seed, probeDim: p }, be);
      runs.set(p, [...(runs.get(p) ?? []), r]);
      console.log(`${line(p, r)} (seed ${seed})`);
    }
  const full = runs.get(0)!;
  console.log(
    `  every column, seed 0 vs seed 1: largest |difference| ${diff(full[0], full[1]).toFixed(3)} nats (the noise floor)`,
  );
  for (const p of [64, 128, 256]) {
    const r = runs.get(p)!;
    const kept = r[0].entropySpace.map((s) => `${((s.probeExplained ?? 1) * 100).toFixed(1)}%`).join(' / ');
    console.log(
      `  probeDim ${p}: largest |difference| from every column ${diff(r[0], full[0]).toFixed(3)} (seed 0), ${diff(r[1], full[1]).toFixed(3)} (seed 1) nats; variance kept ${kept}`,
    );
  }
}
