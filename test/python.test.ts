// The Python package (integrations/python, `lsmi-lens`): installed offline into a venv, its
// unittest suite run there with real PyTorch, and FeatureTap's dumps read by this side: the
// TypeScript reader (dtypes, layouts) and `lsmi watch --once --json` (epochs, names, values).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { readDump } from '../src/io/dump';
import { rootResults } from '../src/runs/layout';
import { resolveNames, runNames } from '../src/runs/names';
import { savedJobs } from '../src/runs/status';
import { CLI, REPO, tempDir } from './helpers';

const PKG = path.join(REPO, 'integrations', 'python');

/** The last non-empty line of a process's stderr, or its spawn error: why a candidate was not usable. */
function why(r: SpawnSyncReturns<string>): string {
  if (r.error) return r.error.message;
  return (r.stderr ?? '').trim().split('\n').pop() || `exit code ${r.status}`;
}

/** The first of $LSMI_PYTHON, /usr/bin/python3, python3 that imports torch and numpy, or why none does. */
function findPython(): { python: string; version: string } | { reason: string } {
  const candidates = [process.env.LSMI_PYTHON, '/usr/bin/python3', 'python3'].filter((p): p is string => !!p);
  const tried: string[] = [];
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import torch, numpy, sys; print(sys.version.split()[0], torch.__version__)'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (r.status === 0) return { python, version: r.stdout.trim() };
    tried.push(`${python}: ${why(r)}`);
  }
  return {
    reason: `no Python with torch and numpy (tried ${tried.join('; ')}); set LSMI_PYTHON, or install python3-torch python3-numpy python3-venv`,
  };
}

function run(cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, {
    encoding: 'utf8',
    cwd: opts.cwd,
    timeout: opts.timeoutMs ?? 120_000,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PIP_DISABLE_PIP_VERSION_CHECK: '1', OMP_NUM_THREADS: '1' },
  });
}

function ok(r: SpawnSyncReturns<string>, what: string): void {
  assert.equal(r.status, 0, `${what} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stdout}\n${r.stderr}`);
}

test('the Python package: offline install, its PyTorch tests, and FeatureTap dumps through lsmi watch', async (t) => {
  const found = findPython();
  if ('reason' in found) {
    t.skip(found.reason);
    console.log(`# skipped: ${found.reason}`);
    return;
  }
  t.diagnostic(`python ${found.python}: Python ${found.version.replace(' ', ', torch ')}`);
  const dir = tempDir('lsmi-python-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const venv = path.join(dir, 'venv');
  const py = process.platform === 'win32' ? path.join(venv, 'Scripts', 'python.exe') : path.join(venv, 'bin', 'python');

  await t.test('pip installs it offline into a venv with the system site packages', () => {
    // pip builds in the source folder (build/, *.egg-info): build a copy, not the working tree.
    const src = path.join(dir, 'src');
    for (const entry of ['pyproject.toml', 'README.md', 'lsmi_dump.py', 'lsmi_lens']) {
      fs.cpSync(path.join(PKG, entry), path.join(src, entry), {
        recursive: true,
        filter: (p) => !p.includes('__pycache__'),
      });
    }
    ok(run(found.python, ['-m', 'venv', '--system-site-packages', venv]), 'python -m venv');
    ok(run(py, ['-m', 'pip', 'install', '--no-build-isolation', '--no-index', src]), 'pip install');
    const where = run(
      py,
      ['-c', 'import lsmi_lens, lsmi_dump; print(lsmi_lens.__file__); print(lsmi_lens.__version__)'],
      {
        cwd: dir,
      },
    );
    ok(where, 'import lsmi_lens');
    const [file, version] = where.stdout.trim().split('\n');
    assert.ok(file.startsWith(venv), `lsmi_lens imported from the venv, not ${file}`);
    assert.equal(version, '0.1.0');
  });

  await t.test('its unittest suite passes in the venv (real PyTorch, torch.distributed with gloo)', () => {
    const tests = path.join(PKG, 'tests');
    const r = run(py, ['-m', 'unittest', 'discover', '-v', '-s', tests, '-t', tests], { cwd: dir, timeoutMs: 240_000 });
    ok(r, 'python -m unittest');
    const ran = /Ran (\d+) tests? in ([\d.]+)s/.exec(r.stderr);
    assert.ok(ran, r.stderr);
    t.diagnostic(`python tests: ${ran[1]} in ${ran[2]} s`);
    for (const line of r.stderr.split('\n').filter((l) => / \.\.\. skipped /.test(l))) t.diagnostic(`python ${line}`);
    assert.ok(Number(ran[1]) >= 30, `the whole suite ran (${ran[1]} tests)`);
  });

  await t.test('torch dtypes and layouts reach the TypeScript reader exactly', () => {
    const file = path.join(dir, 'dtypes.safetensors');
    const script = `
import json, sys
import numpy as np, torch
from lsmi_lens import write_dump
torch.manual_seed(0)
w = torch.randn(3, 24, requires_grad=True)
x1 = (w * 1.5).t().to(torch.bfloat16)            # requires grad, transposed, bfloat16
x2 = torch.randn(24, 8, dtype=torch.float16)[:, ::2]  # strided float16
logits = torch.randn(24, 3, dtype=torch.float64)
y = np.arange(24, dtype=np.uint64) % 3            # uint64 labels
assert not x1.is_contiguous() and not x2.is_contiguous() and x1.requires_grad
write_dump(sys.argv[1], x1, x2, y, logits12=logits, epoch=7, modality_names=["a", "b"])
print(json.dumps({"x1": x1.float().flatten().tolist(), "x2": x2.float().flatten().tolist(),
                  "logits12": logits.flatten().tolist(), "y": y.tolist()}))`;
    const r = run(py, ['-c', script, file], { cwd: dir });
    ok(r, 'write_dump from torch tensors');
    const want = JSON.parse(r.stdout) as Record<'x1' | 'x2' | 'logits12' | 'y', number[]>;
    const d = readDump(file);
    assert.equal(d.n, 24);
    assert.deepEqual(
      d.modalities.map((m) => [m.name, m.dim]),
      [
        ['a', 3],
        ['b', 4],
      ],
    );
    assert.deepEqual(Array.from(d.modalities[0].data), want.x1, 'bfloat16 bit-exact');
    assert.deepEqual(Array.from(d.modalities[1].data), want.x2, 'float16, strided');
    assert.deepEqual(Array.from(d.logits.logits12!), want.logits12.map(Math.fround));
    assert.deepEqual(Array.from(d.y), want.y);
    assert.equal(d.meta.epoch, 7);
  });

  await t.test('FeatureTap over two epochs: lsmi watch --once --json reports both, with the names', () => {
    const root = path.join(dir, 'runs');
    const gen = run(
      py,
      [path.join(PKG, 'example_torch_loop.py'), path.join(root, 'late-fusion'), '--epochs', '2', '--n', '200'],
      {
        cwd: dir,
      },
    );
    ok(gen, 'example_torch_loop.py');
    assert.deepEqual(fs.readdirSync(path.join(root, 'late-fusion')).sort(), [
      'epoch-0001.safetensors',
      'epoch-0002.safetensors',
      'run.json',
    ]);
    const w = spawnSync(process.execPath, [CLI, 'watch', root, '--once', '--json', '--folds', '2'], {
      encoding: 'utf8',
      timeout: 180_000,
    });
    assert.equal(w.status, 0, w.stderr);
    const lines = w.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { run: string; epoch: number; error?: string; dataset: Record<string, number> });
    assert.deepEqual(lines.map((l) => l.error).filter(Boolean), []);
    assert.deepEqual(lines.map((l) => [l.run, l.epoch]).sort(), [
      ['late-fusion', 1],
      ['late-fusion', 2],
    ]);
    for (const l of lines) {
      for (const k of ['R', 'U1', 'U2', 'S']) assert.ok(Number.isFinite(l.dataset[k]), `${k} of epoch ${l.epoch}`);
      t.diagnostic(`epoch ${l.epoch}: ${JSON.stringify(l.dataset)}`);
    }
    // The names, as the panels and the report get them: the dump's metadata, then run.json.
    const cache = rootResults(root);
    const jobs = savedJobs(root);
    assert.equal(jobs.length, 2);
    for (const job of jobs) {
      const summary = cache.get(job.key!)!.summary;
      assert.deepEqual((summary.meta as Record<string, unknown>).modalityNames, ['audio', 'visual'], 'in the dump');
      assert.deepEqual(resolveNames(summary, runNames(root, job.run)), {
        modalityNames: ['audio', 'visual'],
        classNames: ['same', 'different'],
      });
    }
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(root, 'late-fusion', 'run.json'), 'utf8')), {
      modalityNames: ['audio', 'visual'],
      classNames: ['same', 'different'],
    });
  });
});
