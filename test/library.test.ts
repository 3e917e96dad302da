import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CLI, REPO, tempDir } from './helpers';

/**
 * lsmi-lens as a library, as a user's project sees it: a project whose node_modules/lsmi-lens
 * is this repository (npm link, a file: dependency), after `node scripts/build.mjs`.
 */

const LIB = path.join(REPO, 'dist', 'lib.js');
const TYPES = path.join(REPO, 'dist', 'types', 'index.d.ts');

function project(): string {
  assert.ok(
    fs.existsSync(LIB) && fs.existsSync(TYPES),
    'dist/lib.js and dist/types/ are built (node scripts/build.mjs)',
  );
  const dir = tempDir('lsmi-lib-');
  fs.mkdirSync(path.join(dir, 'node_modules', '@types'), { recursive: true });
  fs.symlinkSync(REPO, path.join(dir, 'node_modules', 'lsmi-lens'), 'dir');
  fs.symlinkSync(
    path.join(REPO, 'node_modules', '@types', 'node'),
    path.join(dir, 'node_modules', '@types', 'node'),
    'dir',
  );
  return dir;
}

const CONSUMER_CJS = `
const lib = require('lsmi-lens');
const n = 60;
const x1 = new Float32Array(n * 3), x2 = [], y = new Int32Array(n);
for (let i = 0; i < n; i++) {
  y[i] = i % 2;
  x1.set([y[i] + Math.sin(i), Math.cos(i), i / n], i * 3);
  x2.push(y[i] - Math.cos(3 * i), Math.sin(5 * i));
}
lib.writeDump(process.argv[2], { x1: lib.tensor(x1, [n, 3]), x2: lib.tensor(x2, [n, 2]), y: lib.tensor(y, [n]) },
  { epoch: 4, step: 40, modalityNames: ['audio', 'video'], classNames: ['no', 'yes'] });
let deep;
try { require('lsmi-lens/dist/cli.js'); } catch (e) { deep = e.code; }
console.log(JSON.stringify({
  resolved: require.resolve('lsmi-lens'),
  version: require('lsmi-lens/package.json').version,
  exports: Object.keys(lib).sort(),
  n: lib.readDump(process.argv[2]).n,
  tfjsLoaded: Object.keys(require.cache).filter((k) => k.includes('@tensorflow')).length,
  deep,
}));
`;

test("require('lsmi-lens') from a project: writeDump writes a dump lsmi analyze reads, and loads no tfjs", () => {
  const dir = project();
  fs.writeFileSync(path.join(dir, 'consumer.js'), CONSUMER_CJS);
  const dump = path.join(dir, 'runs', 'r', 'epoch-0004.safetensors');
  const r = spawnSync(process.execPath, ['consumer.js', dump], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout);
  assert.equal(got.resolved, LIB);
  assert.equal(got.version, JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')).version);
  assert.deepEqual(got.exports, ['DumpError', 'readDump', 'tensor', 'writeDump']);
  assert.equal(got.n, 60);
  assert.equal(got.tfjsLoaded, 0, 'the library loads no tfjs');
  assert.equal(got.deep, 'ERR_PACKAGE_PATH_NOT_EXPORTED', 'only the entry point is exported');
  assert.doesNotMatch(fs.readFileSync(LIB, 'utf8'), /require\(["']@tensorflow/);

  const a = spawnSync(process.execPath, [CLI, 'analyze', dump, '--json', '--folds', '2', '--backend', 'wasm'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(a.status, 0, a.stderr);
  const res = JSON.parse(a.stdout);
  assert.equal(res.n, 60);
  assert.deepEqual(res.classNames, ['no', 'yes']);
  assert.equal(res.meta.epoch, 4);
  assert.equal(res.meta.step, 40);
  for (const k of ['R', 'U1', 'U2', 'S']) assert.ok(Number.isFinite(res.dataset[k]), k);
});

test("import { writeDump } from 'lsmi-lens' in an ES module works too", () => {
  const dir = project();
  fs.writeFileSync(
    path.join(dir, 'consumer.mjs'),
    `import { writeDump, tensor } from 'lsmi-lens';
     const y = Int32Array.from({ length: 20 }, (_, i) => i % 2);
     writeDump(process.argv[2], new Map([['x1', tensor(Float32Array.from(y), [20, 1])], ['x2', tensor(y, [20, 1], 'f64')], ['y', tensor(y, [20])]]));`,
  );
  const dump = path.join(dir, 'step-7.npz');
  const r = spawnSync(process.execPath, ['consumer.mjs', dump], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(fs.statSync(dump).size > 0);
});

test('the declarations type-check a consumer (module node16, strict, skipLibCheck false)', () => {
  const dir = project();
  fs.writeFileSync(
    path.join(dir, 'consumer.ts'),
    `import { readDump, tensor, writeDump, type DumpMeta, type DumpTensors, type ResultJson } from 'lsmi-lens';
const meta: DumpMeta = { epoch: 1, step: 100, modalityNames: ['top', 'bottom'], classNames: ['a', 'b'] };
const t: DumpTensors = {
  x1: tensor(new Float32Array(6), [2, 3]),
  x2: tensor([0.5, 1.5], [2, 1]),
  y: tensor(new Int32Array([0, 1]), [2]),
  logits12: tensor(new Float32Array(4), [2, 2]),
  x3: tensor(new Float32Array(2), [2, 1]),
};
writeDump('epoch-0001.safetensors', t, meta);
writeDump('epoch-0001.npz', new Map([['x1', t.x1]]), {}, { compress: true });
const s: number = (JSON.parse('{}') as ResultJson).dataset.S + readDump('epoch-0001.npz').n;
// @ts-expect-error x1 is required
const missing: DumpTensors = { x2: t.x2, y: t.y };
// @ts-expect-error a tensor, not a typed array
writeDump('x.safetensors', { x1: new Float32Array(2), x2: t.x2, y: t.y });
export { s, missing };
`,
  );
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        module: 'node16',
        moduleResolution: 'node16',
        target: 'es2022',
        lib: ['es2022'],
        types: ['node'],
        noEmit: true,
        skipLibCheck: false,
      },
      files: ['consumer.ts'],
    }),
  );
  const tsc = path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
