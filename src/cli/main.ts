import * as path from 'path';
import { parseArgs } from 'util';
import { readDump, writeDump } from '../io/dump';
import { DumpError } from '../io/errors';
import { BACKEND_CHOICES, BackendChoice, initBackend } from '../core/backend';
import { DEFAULT_SETTINGS, Settings, analyze } from '../core/estimator';
import { formatMeans, formatResult, resultToJson } from '../core/report';
import { SET_NAMES, syntheticSet } from '../core/synthetic/sets';
import { exactTruth } from '../core/synthetic/truth';
import { sampleTensors } from '../core/synthetic/dump';
import { sampleMixture } from '../core/synthetic/mixture';
import { Rng } from '../core/rng';
import { runDemo } from './demo';
import { AnalysisOptions, listRuns, watch } from './watch';
import { report } from './report';
import { cmdExport } from './export';
import { rootCache } from '../runs/layout';
import type { EmbedChoice } from '../report/html';
import { CacheError, DEFAULT_CACHE_MB } from '../store/cache';
import { DEFAULT_MAX_INFLATE_RATIO, DEFAULT_MEMORY_MB, readLimits } from '../io/limits';
import { DEFAULT_JOB_TIMEOUT_MS } from '../worker/client';
import { UnsafePathError } from '../store/safe-path';
import { printableLine } from './printable';

const USAGE = `lsmi: sample-wise multimodal interactions (LSMI, ICML 2025), in nats

usage:
  lsmi analyze <dump> [--json] [--samples] [--seed N] [--folds K] [--backend B]
                      [--pair i,j] [--no-adjust] [--holdout auto|crossfit|split]
                      [--entropy-dim K] [--probe-dim P] [--no-logits] [--memory-mb MB] [--max-inflate-ratio R]
  lsmi synth <set> --n N --seed S --out FILE [--noise S] [--dim D] [--classes K] [--rho R]
  lsmi watch <root>... [--json] [--once] [--backend B] [--folds K] [--seed N]
                      [--node PATH] [--memory-mb MB] [--timeout-s S] [--cache-mb MB]
                      [--max-inflate-ratio R]
  lsmi runs <root> [--json]
  lsmi report <root> [--out report.html] [--samples ends|latest|all|none] [--max-mb MB]
                     [--no-analyze] [--backend B] [--folds K] [--seed N] [--node PATH]
                     [--memory-mb MB] [--timeout-s S] [--cache-mb MB] [--max-inflate-ratio R]
  lsmi export <root> --out DIR [--format tensorboard|dvclive|both]
  lsmi cache clear <root>
  lsmi demo [--out DIR] [--backend B]

dumps: .npz, .safetensors or a folder of .npy files with x1, x2, y
       (optional logits1, logits2, logits12, split, ids, x3, x4, ...)
limits: a dump is refused when decoding it would take more than half of --memory-mb
       (default ${DEFAULT_MEMORY_MB} MiB), or when an .npz member over 16 MiB inflates more than
       --max-inflate-ratio (default ${DEFAULT_MAX_INFLATE_RATIO}) times; a root's cache keeps at most --cache-mb
       (default ${DEFAULT_CACHE_MB} MiB); watch stops a job after --timeout-s (default ${DEFAULT_JOB_TIMEOUT_MS / 1000} s)
report: first analyzes the checkpoints not analyzed yet, as watch --once does (progress on stderr;
       without --backend, --folds or --seed, with the settings the root was analyzed with), then
       writes the report; --no-analyze writes it from the results already there. Exit 2 if a
       checkpoint failed (the report has the others)
sets:  ${SET_NAMES.join(', ')}
backends: ${BACKEND_CHOICES.join(', ')}`;

/** A mistake in how lsmi was called: exit 2 like bad input, but no file to name. */
class UsageError extends Error {}

function int(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got '${v}'`);
  return n;
}

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got '${v}'`);
  return n;
}

function backendOf(v: string | undefined): BackendChoice {
  if (v === undefined) return 'auto';
  if (!(BACKEND_CHOICES as string[]).includes(v))
    throw new UsageError(`--backend must be one of ${BACKEND_CHOICES.join(', ')}`);
  return v as BackendChoice;
}

async function cmdAnalyze(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean' },
      samples: { type: 'boolean' },
      seed: { type: 'string' },
      folds: { type: 'string' },
      backend: { type: 'string' },
      pair: { type: 'string' },
      'no-adjust': { type: 'boolean' },
      holdout: { type: 'string' },
      'entropy-dim': { type: 'string' },
      'probe-dim': { type: 'string' },
      'no-logits': { type: 'boolean' },
      progress: { type: 'boolean' },
      'memory-mb': { type: 'string' },
      'max-inflate-ratio': { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new UsageError('analyze takes exactly one dump');
  const settings: Partial<Settings> = {};
  settings.seed = int('seed', values.seed, 0) ?? DEFAULT_SETTINGS.seed;
  const folds = int('folds', values.folds, 2);
  if (folds !== undefined) {
    settings.folds = folds;
    settings.holdout = 'crossfit';
  }
  if (values.holdout !== undefined) {
    if (!['auto', 'crossfit', 'split'].includes(values.holdout))
      throw new UsageError('--holdout must be auto, crossfit or split');
    settings.holdout = values.holdout as Settings['holdout'];
  }
  if (values.pair !== undefined) {
    const m = /^(\d+),(\d+)$/.exec(values.pair);
    if (!m) throw new UsageError(`--pair takes two modality numbers like 1,2 (got '${values.pair}')`);
    // Users count modalities from 1 (x1, x2, ...); the engine from 0.
    settings.pair = [Number(m[1]) - 1, Number(m[2]) - 1];
    if (settings.pair.some((v) => v < 0)) throw new UsageError('--pair counts modalities from 1 (x1 is 1)');
  }
  if (values['no-adjust']) settings.adjust = false;
  if (values['no-logits']) settings.useLogits = false;
  const k = int('entropy-dim', values['entropy-dim'], 1);
  if (k !== undefined) settings.entropyDim = k;
  const pd = int('probe-dim', values['probe-dim'], 0);
  if (pd !== undefined) settings.probeDim = pd;
  const backendChoice = backendOf(values.backend); // usage errors before any file is read
  const limits = readLimits(
    int('memory-mb', values['memory-mb'], 64),
    int('max-inflate-ratio', values['max-inflate-ratio'], 1),
  );
  const file = positionals[0];
  const dump = readDump(file, limits);
  if (settings.pair && settings.pair.some((m) => m >= dump.modalities.length)) {
    throw new DumpError(file, `--pair ${values.pair}: the dump has ${dump.modalities.length} modalities`);
  }
  const backend = await initBackend(backendChoice);
  const onProgress = values.progress
    ? (p: { phase: string; fraction: number }) =>
        process.stderr.write(`\r${p.phase.padEnd(10)} ${(100 * p.fraction).toFixed(0).padStart(3)}%`)
    : undefined;
  const res = await analyze(dump, settings, backend, { onProgress });
  if (values.progress) process.stderr.write('\n');
  if (values.json) process.stdout.write(JSON.stringify(resultToJson(res, !!values.samples)) + '\n');
  else {
    process.stdout.write(formatResult(res) + '\n');
    if (values.samples) {
      const p = res.main.samples;
      process.stdout.write('\n  sample        r       u1      u2      s\n');
      for (let i = 0; i < p.r.length; i++) {
        if (!Number.isFinite(p.r[i])) continue;
        process.stdout.write(
          `  ${String(dump.ids?.[i] ?? i).padStart(6)} ${[p.r[i], p.u1[i], p.u2[i], p.s[i]].map((v) => v.toFixed(3).padStart(7)).join(' ')}\n`,
        );
      }
    }
  }
}

async function cmdSynth(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      n: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      noise: { type: 'string' },
      dim: { type: 'string' },
      classes: { type: 'string' },
      rho: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  if (positionals.length !== 1) throw new UsageError(`synth takes one set name (${SET_NAMES.join(', ')})`);
  if (!values.out) throw new UsageError('synth needs --out FILE (.npz, .safetensors or a folder name)');
  const n = int('n', values.n, 2) ?? 10_000;
  const seed = int('seed', values.seed, 0) ?? 0;
  let set;
  try {
    set = syntheticSet(positionals[0], {
      noise: num('noise', values.noise),
      dim: int('dim', values.dim, 1),
      classes: int('classes', values.classes, 2),
      rho: num('rho', values.rho),
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const sample = sampleMixture(set.model, n, new Rng(seed));
  writeDump(values.out, sampleTensors(sample), { synthetic: set.name, description: set.description, seed, n });
  const truth = exactTruth(set.model);
  if (values.json) {
    process.stdout.write(
      JSON.stringify({
        set: set.name,
        description: set.description,
        out: values.out,
        n,
        seed,
        units: 'nats',
        truth: truth.dataset,
        raw: truth.raw,
        info: truth.info,
        truthSamples: truth.n,
      }) + '\n',
    );
  } else {
    process.stdout.write(`${set.name}: ${set.description}\nwrote ${n} samples to ${values.out}\n`);
    process.stdout.write(
      `exact truth (nats, adjusted, ${truth.n} Monte Carlo samples with the true densities):\n  ${formatMeans(truth.dataset)}\n`,
    );
    process.stdout.write(
      `  raw ${formatMeans(truth.raw)}\n  I(X1;Y) ${truth.info.I1.toFixed(3)}  I(X2;Y) ${truth.info.I2.toFixed(3)}  I(X1,X2;Y) ${truth.info.I12.toFixed(3)}\n`,
    );
  }
}

/** The analysis flags `watch` and `report` share: estimator settings, backend, the worker's node and limits. */
const ANALYSIS_FLAGS = {
  backend: { type: 'string' },
  folds: { type: 'string' },
  seed: { type: 'string' },
  node: { type: 'string' },
  'memory-mb': { type: 'string' },
  'timeout-s': { type: 'string' },
  'cache-mb': { type: 'string' },
  'max-inflate-ratio': { type: 'string' },
} as const;
type AnalysisFlags = { [K in keyof typeof ANALYSIS_FLAGS]?: string };

/** The pipeline's options from the shared analysis flags (usage errors before any file is read). */
function analysisOptions(values: AnalysisFlags): AnalysisOptions {
  const settings: Partial<Settings> = {};
  const folds = int('folds', values.folds, 2);
  if (folds !== undefined) {
    settings.folds = folds;
    settings.holdout = 'crossfit';
  }
  const seed = int('seed', values.seed, 0);
  if (seed !== undefined) settings.seed = seed;
  const timeoutS = int('timeout-s', values['timeout-s'], 1);
  const worker = {
    nodePath: values.node,
    memoryMb: int('memory-mb', values['memory-mb'], 64),
    jobTimeoutMs: timeoutS !== undefined ? timeoutS * 1000 : DEFAULT_JOB_TIMEOUT_MS,
    cacheMb: int('cache-mb', values['cache-mb'], 16),
    maxInflateRatio: int('max-inflate-ratio', values['max-inflate-ratio'], 1),
  };
  return { settings, backend: backendOf(values.backend), worker };
}

async function cmdWatch(rest: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { json: { type: 'boolean' }, once: { type: 'boolean' }, ...ANALYSIS_FLAGS },
  });
  if (!positionals.length) throw new UsageError('watch takes one or more runs roots');
  return await watch(
    positionals,
    { json: !!values.json, once: !!values.once, ...analysisOptions(values) },
    (l) => process.stdout.write(l + '\n'),
    (l) => process.stderr.write(l + '\n'),
  );
}

function cmdRuns(rest: string[]): number {
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { json: { type: 'boolean' } },
  });
  if (positionals.length !== 1) throw new UsageError('runs takes one runs root');
  listRuns(path.resolve(positionals[0]), !!values.json, (l) => process.stdout.write(l + '\n'));
  return 0;
}

async function cmdReport(rest: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      samples: { type: 'string' },
      'max-mb': { type: 'string' },
      'no-analyze': { type: 'boolean' },
      ...ANALYSIS_FLAGS,
    },
  });
  if (positionals.length !== 1) throw new UsageError('report takes one runs root');
  const which = (values.samples ?? 'ends') as EmbedChoice;
  if (!['ends', 'latest', 'all', 'none'].includes(which))
    throw new UsageError(`--samples must be ends, latest, all or none, not '${values.samples}'`);
  const maxMb = int('max-mb', values['max-mb'], 1) ?? 100;
  const analysis = analysisOptions(values);
  // Without --backend, --folds or --seed the report keeps the settings the root was analyzed with.
  const chosen = values.backend !== undefined || values.folds !== undefined || values.seed !== undefined;
  return await report(
    {
      root: positionals[0],
      out: path.resolve(values.out ?? 'lsmi-report.html'),
      which,
      maxMb,
      analysis: values['no-analyze'] ? undefined : { ...analysis, chosen },
    },
    (l) => process.stdout.write(l + '\n'),
    (l) => process.stderr.write(l + '\n'),
  );
}

function cmdCache(rest: string[]): number {
  if (rest[0] !== 'clear' || rest.length !== 2) throw new UsageError('usage: lsmi cache clear <root>');
  const n = rootCache(path.resolve(rest[1])).clear();
  process.stdout.write(`removed ${n} cached result${n === 1 ? '' : 's'}\n`);
  return 0;
}

async function cmdDemo(rest: string[]): Promise<number> {
  const { values } = parseArgs({ args: rest, options: { out: { type: 'string' }, backend: { type: 'string' } } });
  await runDemo(path.resolve(values.out ?? '.lsmi-demo'), backendOf(values.backend), (line) =>
    process.stdout.write(line + '\n'),
  );
  return 0;
}

/** One line on stderr and exit 2 for bad input, usage errors and refused paths; a stack only for our own bugs. */
function failure(e: unknown, cmd: string | undefined): number {
  if (e instanceof DumpError) {
    process.stderr.write(`lsmi: ${printableLine(`${e.file}: ${e.problem}`)}\n`);
    return 2;
  }
  if (e instanceof CacheError || e instanceof UnsafePathError) {
    process.stderr.write(`lsmi: ${printableLine(e.message)}\n`);
    return 2;
  }
  if (e instanceof UsageError || (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(
      `lsmi: ${(e as Error).message}\n${cmd === undefined ? USAGE + '\n' : 'run lsmi --help for usage\n'}`,
    );
    return 2;
  }
  process.stderr.write(`lsmi: internal error: ${(e as Error).stack ?? e}\n`);
  return 1;
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      // 'analyse' stays accepted: scripts written against earlier versions use it.
      case 'analyze':
      case 'analyse':
        await cmdAnalyze(rest);
        return 0;
      case 'synth':
        await cmdSynth(rest);
        return 0;
      case 'watch':
        return await cmdWatch(rest);
      case 'runs':
        return cmdRuns(rest);
      case 'report':
        return await cmdReport(rest);
      case 'export':
        return cmdExport(rest, (m) => new UsageError(m));
      case 'cache':
        return cmdCache(rest);
      case 'demo':
        return await cmdDemo(rest);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(USAGE + '\n');
        return cmd === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command '${cmd}'`);
    }
  } catch (e) {
    return failure(e, cmd);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
