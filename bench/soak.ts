/**
 * Soak: two `lsmi watch` processes on one root while a training loop writes two runs of
 * checkpoints and workers are SIGKILLed at intervals. Every checkpoint must end with exactly
 * one result in each watcher's output, one cache entry, no failure and no stale temporary.
 *
 *   node out/bench/soak.js [--checkpoints 30] [--kill-every-s 3] [--n 400]
 *
 * test/soak.test.ts runs it with a short setting in `npm test`.
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { writeDump } from '../src/io/dump';
import { Rng } from '../src/core/rng';
import { sampleTensors } from '../src/core/synthetic/dump';
import { sampleMixture } from '../src/core/synthetic/mixture';
import { syntheticSet } from '../src/core/synthetic/sets';

export interface SoakOptions {
  /** checkpoints per run (two runs) */
  checkpoints: number;
  killEveryMs: number;
  n: number;
  /** give up after this long */
  timeoutMs: number;
  log?: (line: string) => void;
}

export interface SoakReport {
  checkpoints: number;
  /** result lines per checkpoint, per watcher */
  results: Array<Map<string, number>>;
  errors: string[];
  kills: number;
  cacheEntries: number;
  staleTemporaries: string[];
  statusDone: number;
  seconds: number;
}

const CLI = path.resolve(__dirname, '..', '..', 'bin', 'lsmi.js');

/** The node processes a watcher forked (its LSMI workers). */
function workersOf(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** Every `.tmp-`/`.old-` name left under the root's state folder. */
function temporaries(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (/\.(tmp|old)-/.test(e.name)) out.push(p);
      if (e.isDirectory()) walk(p);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

export async function soak(opts: SoakOptions): Promise<SoakReport> {
  const log = opts.log ?? (() => undefined);
  const t0 = Date.now();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lsmi-soak-'));
  const runs = ['early-fusion', 'late-fusion'];
  for (const r of runs) fs.mkdirSync(path.join(root, r));
  const expected: string[] = [];
  for (const r of runs)
    for (let e = 1; e <= opts.checkpoints; e++)
      expected.push(path.join(root, r, `epoch-${String(e).padStart(4, '0')}.safetensors`));

  const results = [new Map<string, number>(), new Map<string, number>()];
  const errors: string[] = [];
  const watchers: ChildProcess[] = results.map((seen, w) => {
    const child = spawn(process.execPath, [CLI, 'watch', root, '--json', '--folds', '2', '--backend', 'wasm'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buf = '';
    child.stdout!.on('data', (b: Buffer) => {
      buf += b.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) {
        const m = JSON.parse(l) as { checkpoint: string; error?: string };
        if (m.error) errors.push(`watcher ${w + 1}: ${m.checkpoint}: ${m.error}`);
        else seen.set(m.checkpoint, (seen.get(m.checkpoint) ?? 0) + 1);
      }
    });
    child.stderr!.on('data', (b: Buffer) => log(`watcher ${w + 1}: ${b.toString().trim()}`));
    return child;
  });

  // The training loop: checkpoints of both runs, interleaved, one every 200 ms.
  const set = syntheticSet('or');
  const writer = (async () => {
    for (let e = 0; e < opts.checkpoints; e++) {
      for (let r = 0; r < runs.length; r++) {
        const file = expected[r * opts.checkpoints + e];
        writeDump(file, sampleTensors(sampleMixture(set.model, opts.n, new Rng(1000 * r + e))), { epoch: e + 1 });
        await new Promise((res) => setTimeout(res, 200));
      }
    }
  })();

  // Kill a worker of one watcher or the other at intervals.
  let kills = 0;
  const killer = setInterval(() => {
    const w = watchers[kills % 2];
    const pids = w.pid ? workersOf(w.pid) : [];
    if (!pids.length) return;
    try {
      process.kill(pids[0], 'SIGKILL');
      kills++;
      log(`killed worker ${pids[0]} of watcher ${((kills - 1) % 2) + 1}`);
    } catch {
      /* already gone */
    }
  }, opts.killEveryMs);

  const complete = () => results.every((seen) => expected.every((f) => seen.has(f)));
  await writer;
  while (!complete() && Date.now() - t0 < opts.timeoutMs && !errors.length)
    await new Promise((res) => setTimeout(res, 250));
  clearInterval(killer);
  // Let late duplicates show up before counting.
  await new Promise((res) => setTimeout(res, 1500));
  await Promise.all(
    watchers.map(
      (w) =>
        new Promise<void>((res) => {
          if (w.exitCode !== null) {
            res();
            return;
          }
          w.once('exit', () => res());
          w.kill('SIGINT');
        }),
    ),
  );

  const stateDir = path.join(root, '.lsmi');
  const cacheDir = path.join(stateDir, 'cache');
  let cacheEntries = 0;
  if (fs.existsSync(cacheDir))
    for (const s of fs.readdirSync(cacheDir))
      cacheEntries += fs.readdirSync(path.join(cacheDir, s)).filter((n) => /^[0-9a-f]{32}$/.test(n)).length;
  const status = JSON.parse(fs.readFileSync(path.join(stateDir, 'status.json'), 'utf8')) as Array<{ state: string }>;
  const report: SoakReport = {
    checkpoints: expected.length,
    results,
    errors,
    kills,
    cacheEntries,
    staleTemporaries: temporaries(stateDir),
    statusDone: status.filter((s) => s.state === 'done').length,
    seconds: (Date.now() - t0) / 1000,
  };
  fs.rmSync(root, { recursive: true, force: true });
  return report;
}

export function formatSoak(r: SoakReport): string {
  const counts = r.results.map((m) => [...m.values()]);
  return [
    `soak: ${r.checkpoints} checkpoints in two runs, two watchers on one root, ${r.kills} workers SIGKILLed, ${r.seconds.toFixed(1)} s`,
    ...counts.map(
      (c, i) =>
        `  watcher ${i + 1}: ${c.length} checkpoints with a result, ${c.filter((x) => x !== 1).length} with more than one`,
    ),
    `  cache entries ${r.cacheEntries}, status.json done ${r.statusDone}, failures ${r.errors.length}, stale temporaries ${r.staleTemporaries.length}`,
  ].join('\n');
}

if (require.main === module) {
  const { values } = parseArgs({
    options: { checkpoints: { type: 'string' }, 'kill-every-s': { type: 'string' }, n: { type: 'string' } },
  });
  void soak({
    checkpoints: Number(values.checkpoints ?? 30),
    killEveryMs: 1000 * Number(values['kill-every-s'] ?? 3),
    n: Number(values.n ?? 400),
    timeoutMs: 30 * 60_000,
    log: (l) => console.error(l),
  }).then((r) => {
    console.log(formatSoak(r));
    for (const e of r.errors) console.log(`  ${e}`);
    const ok =
      !r.errors.length &&
      !r.staleTemporaries.length &&
      r.results.every((m) => m.size === r.checkpoints && [...m.values()].every((c) => c === 1));
    process.exitCode = ok ? 0 : 1;
  });
}
