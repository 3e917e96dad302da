/**
 * The extension's defences against untrusted runs roots and workspace settings, in the parts
 * that do not need VS Code: CSV cells that a spreadsheet would run, settings checked against
 * their ranges, and the sample paths a manifest may name.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { csvCell, csvRow, toCsv } from '../src/shared/protocol';
import type { RunSeries } from '../src/shared/protocol';
import {
  checkInt,
  checkNodePath,
  checkRunsRoots,
  INT_SETTINGS,
  MAX_JOB_TIMEOUT_MINUTES,
  readSettings,
  workerOptions,
} from '../src/extension/settings';
import { parseSource, resolveSample } from '../src/extension/sample-source';
import { UnsafePathError } from '../src/store/safe-path';
import { REPO, tempDir } from './helpers';

/** The cells of one CSV line (RFC 4180 quoting), to read back what toCsv wrote. */
function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '',
    quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

test('CSV: formula prefixes in text get a leading quote and are quoted; numbers are untouched', () => {
  for (const bad of ['=HYPERLINK("http://x","y")', '+cmd|/c calc', '-2+3', '@SUM(A1:A2)', '\tx', '\rx', '=1+1,2']) {
    const cell = csvCell(bad);
    assert.ok(cell.startsWith(`"'`), `${JSON.stringify(bad)} -> ${cell}`);
    assert.deepEqual(parseCsvLine(cell), [`'${bad}`]);
  }
  // Numbers, as numbers or as numeric text, stay as they are.
  assert.equal(csvCell(-0.012), '-0.012');
  assert.equal(csvCell('-0.012'), '-0.012');
  assert.equal(csvCell('+3'), '+3');
  assert.equal(csvCell(-1e-7), '-1e-7');
  assert.equal(csvCell('-1.5e-3'), '-1.5e-3');
  assert.equal(csvCell(0), '0');
  // Plain text, RFC 4180 quoting, empty cells.
  assert.equal(csvCell('late-fusion'), 'late-fusion');
  assert.equal(csvCell('a,b'), '"a,b"');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell('two\nlines'), '"two\nlines"');
  assert.equal(csvCell(undefined), '');
  assert.equal(csvCell(null), '');
  assert.equal(csvRow(['x', 1, undefined, '=a']), `x,1,,"'=a"`);
});

test('CSV: toCsv neutralises run names, fusion labels and file names from the runs', () => {
  const runs: RunSeries[] = [
    {
      run: 'evil',
      name: '=cmd|" /C calc"!A0',
      fusion: '@late',
      points: [{ file: '-/runs/evil/epoch-1.npz', epoch: 1, R: -0.012, U1: 0.5, U2: -3, S: 1e-9 }],
    },
    {
      run: 'ok',
      name: 'late, fusion',
      points: [{ file: '/runs/ok/step-5.npz', step: 5, R: 0.1, U1: 0.2, U2: 0.3, S: 0.4 }],
    },
  ];
  const lines = toCsv(runs).trimEnd().split('\n');
  assert.equal(lines[0], 'run,fusion,checkpoint,epoch,step,R,U1,U2,S');
  assert.deepEqual(parseCsvLine(lines[1]), [
    `'=cmd|" /C calc"!A0`,
    "'@late",
    "'-/runs/evil/epoch-1.npz",
    '1',
    '',
    '-0.012',
    '0.5',
    '-3',
    '1e-9',
  ]);
  assert.ok(lines[1].endsWith(',1,,-0.012,0.5,-3,1e-9'), 'numbers are written bare');
  assert.deepEqual(parseCsvLine(lines[2]), [
    'late, fusion',
    '',
    '/runs/ok/step-5.npz',
    '',
    '5',
    '0.1',
    '0.2',
    '0.3',
    '0.4',
  ]);
  // No cell of any line starts with a formula character outside quotes (numbers excepted).
  for (const line of lines.slice(1)) {
    for (const cell of parseCsvLine(line)) if (/^[=+\-@\t\r]/.test(cell)) assert.ok(!Number.isNaN(Number(cell)), cell);
  }
});

test('settings: integers in range pass, anything else falls back to the default with a message', () => {
  assert.deepEqual(checkInt('folds', 3), { value: 3 });
  assert.deepEqual(checkInt('folds', undefined), { value: 5 });
  assert.deepEqual(checkInt('folds', 1.5), {
    value: 5,
    message: 'lsmi.folds must be an integer from 2 to 20; got 1.5, using 5',
  });
  assert.equal(checkInt('folds', 1).message, 'lsmi.folds must be an integer from 2 to 20; got 1, using 5');
  assert.equal(checkInt('folds', '4').message, 'lsmi.folds must be an integer from 2 to 20; got "4", using 5');
  assert.equal(checkInt('folds', 21).message, 'lsmi.folds must be an integer from 2 to 20; got 21, using 5');
  assert.equal(checkInt('folds', Number.NaN).value, 5);
  assert.equal(checkInt('folds', Infinity).value, 5);
  assert.deepEqual(checkInt('seed', 0), { value: 0 });
  assert.equal(checkInt('seed', -1).message, 'lsmi.seed must be an integer from 0 to 4294967295; got -1, using 0');
  assert.deepEqual(checkInt('memoryMb', 0), { value: 0 });
  assert.equal(checkInt('memoryMb', -512).value, 0);
  assert.deepEqual(checkInt('entropyDim', 128), { value: 128 });
  assert.equal(
    checkInt('entropyDim', 129).message,
    'lsmi.entropyDim must be an integer from 1 to 128; got 129, using 32',
  );
  assert.equal(checkInt('entropyDim', 0).value, 32);
  assert.deepEqual(checkInt('kernels', 32), { value: 32 });
  assert.equal(checkInt('kernels', 33).value, 5);
  assert.deepEqual(checkInt('jobTimeoutMinutes', 1), { value: 1 });
  assert.equal(
    checkInt('jobTimeoutMinutes', 0).message,
    `lsmi.jobTimeoutMinutes must be an integer from 1 to ${MAX_JOB_TIMEOUT_MINUTES}; got 0, using 30`,
  );
  // Node's timers overflow past 2^31-1 ms and would fire at once.
  assert.ok(MAX_JOB_TIMEOUT_MINUTES * 60_000 <= 2 ** 31 - 1);
});

test('settings: readSettings collects every fallback; workerOptions passes the job timeout', () => {
  const values: Record<string, unknown> = {
    folds: 1.5,
    seed: 7,
    memoryMb: 2048,
    entropyDim: 16,
    probeDim: 256,
    kernels: 'many',
    jobTimeoutMinutes: 45,
    backend: 'gpu!',
    holdout: 'split',
    adjust: false,
    useLogits: 'yes',
    nodePath: '',
  };
  const { settings, messages } = readSettings((k) => values[k]);
  assert.deepEqual(settings, {
    folds: 5,
    seed: 7,
    memoryMb: 2048,
    entropyDim: 16,
    probeDim: 256,
    kernels: 5,
    jobTimeoutMinutes: 45,
    cacheMb: 2048,
    maxInflateRatio: 100,
    backend: 'auto',
    holdout: 'split',
    adjust: false,
    useLogits: true,
    nodePath: undefined,
  });
  assert.deepEqual(messages, [
    'lsmi.folds must be an integer from 2 to 20; got 1.5, using 5',
    'lsmi.kernels must be an integer from 1 to 32; got "many", using 5',
    'lsmi.backend must be one of auto, tensorflow-gpu, tensorflow, wasm, cpu; got "gpu!", using auto',
    'lsmi.useLogits must be true or false; got "yes", using true',
  ]);
  assert.deepEqual(workerOptions(settings), {
    nodePath: undefined,
    memoryMb: 2048,
    jobTimeoutMs: 45 * 60_000,
    cacheMb: 2048,
    maxInflateRatio: 100,
  });
  // Nothing set: the defaults, silently; 0 MiB is Node's default heap; 30 minutes per job.
  const defaults = readSettings(() => undefined);
  assert.deepEqual(defaults.messages, []);
  assert.deepEqual(workerOptions(defaults.settings), {
    nodePath: undefined,
    memoryMb: undefined,
    jobTimeoutMs: 30 * 60_000,
    cacheMb: 2048,
    maxInflateRatio: 100,
  });
});

test('settings: nodePath must be an absolute path to an existing file', () => {
  const dir = tempDir();
  const node = path.join(dir, 'node');
  fs.writeFileSync(node, '');
  assert.deepEqual(checkNodePath(''), { value: undefined });
  assert.deepEqual(checkNodePath(undefined), { value: undefined });
  assert.deepEqual(checkNodePath(node), { value: node });
  assert.deepEqual(checkNodePath(process.execPath), { value: process.execPath });
  for (const bad of ['./evil.sh', 'node', 'scripts/node', path.join(dir, 'missing'), dir, 42, '   ', `${node}\0x`]) {
    const c = checkNodePath(bad);
    assert.equal(c.value, undefined, String(bad));
    assert.match(c.message ?? '', /^lsmi\.nodePath must .*using VS Code's own Node$/, String(bad));
  }
  assert.equal(
    checkNodePath('./evil.sh').message,
    `lsmi.nodePath must be an absolute path; got "./evil.sh", using VS Code's own Node`,
  );
  // A file check that is injected (the real one follows symlinks with stat).
  assert.deepEqual(
    checkNodePath('/opt/node/bin/node', () => true),
    { value: '/opt/node/bin/node' },
  );
});

test('settings: runsRoots is a list of path strings', () => {
  assert.deepEqual(checkRunsRoots(undefined), { value: [] });
  assert.deepEqual(checkRunsRoots(['runs', '/abs/runs']), { value: ['runs', '/abs/runs'] });
  assert.deepEqual(checkRunsRoots('runs').value, []);
  assert.match(checkRunsRoots('runs').message ?? '', /^lsmi\.runsRoots must be a list/);
  const mixed = checkRunsRoots(['runs', 3, '', 'x\0y']);
  assert.deepEqual(mixed.value, ['runs']);
  assert.match(mixed.message ?? '', /ignoring 3, "", "x\\u0000y"/);
});

test('package.json: setting types, ranges, scopes and restricted settings match the checks', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
    contributes: {
      configuration: {
        properties: Record<
          string,
          { type: string; default: unknown; minimum?: number; maximum?: number; scope?: string }
        >;
      };
    };
    capabilities: { untrustedWorkspaces: { supported: string; restrictedConfigurations: string[] } };
  };
  const props = pkg.contributes.configuration.properties;
  for (const [name, rule] of Object.entries(INT_SETTINGS)) {
    const p = props[`lsmi.${name}`];
    assert.ok(p, `lsmi.${name} contributed`);
    assert.equal(p.type, 'integer', name);
    assert.equal(p.default, rule.def, name);
    assert.equal(p.minimum, rule.min, name);
    assert.equal(p.maximum, 'max' in rule ? rule.max : undefined, name);
  }
  for (const p of Object.values(props)) assert.notEqual(p.type, 'number');
  assert.equal(props['lsmi.nodePath'].scope, 'machine');
  assert.equal(props['lsmi.runsRoots'].scope, 'machine-overridable');
  assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
  for (const s of [
    'lsmi.runsRoots',
    'lsmi.nodePath',
    'lsmi.backend',
    'lsmi.memoryMb',
    'lsmi.jobTimeoutMinutes',
    'lsmi.cacheMb',
    'lsmi.maxInflateRatio',
  ]) {
    assert.ok(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations.includes(s), s);
  }
});

test('samples: #L<line> counts only as a positive integer', () => {
  assert.deepEqual(parseSource('notes/a.txt#L12'), { file: 'notes/a.txt', line: 12 });
  assert.deepEqual(parseSource('notes/a.txt'), { file: 'notes/a.txt' });
  for (const bad of [
    'a.txt#L0',
    'a.txt#L-3',
    'a.txt#L1.5',
    'a.txt#Lx',
    'a.txt#L',
    'a.txt#L1e3',
    'a.txt#L12345678901',
  ]) {
    assert.deepEqual(parseSource(bad), { file: 'a.txt', line: undefined }, bad);
  }
});

test('samples: manifest and source paths stay inside the run folder and name regular files', () => {
  const root = tempDir();
  const outside = tempDir();
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'secret\n');
  fs.writeFileSync(path.join(outside, 'samples.jsonl'), '{"id": 0, "text": "outside"}\n');
  const run = path.join(root, 'late');
  fs.mkdirSync(path.join(run, 'text'), { recursive: true });
  fs.writeFileSync(path.join(run, 'text', 'a.txt'), 'one\ntwo\n');
  fs.writeFileSync(path.join(run, 'img.png'), '');
  fs.mkdirSync(path.join(run, 'a-folder'));
  fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(run, 'link.txt'));
  fs.symlinkSync(outside, path.join(run, 'out'));
  const ckpt = path.join(run, 'epoch-1.npz');
  const sources = [
    'text/a.txt#L2',
    'img.png',
    'text/a.txt#L0',
    '../../etc/passwd',
    '/etc/passwd',
    'C:\\Windows\\win.ini',
    'link.txt',
    'out/secret.txt',
    'a-folder',
    'missing.txt',
    'text\\a.txt',
  ];
  const manifest = sources
    .map((s, i) => JSON.stringify({ id: i, sources: [s] }))
    .concat([JSON.stringify({ id: 99, label: 'cap', text: 'an inline caption' })]);
  fs.writeFileSync(path.join(run, 'samples.jsonl'), manifest.join('\n') + '\n');
  const at = (i: number, id?: number) => resolveSample(root, ckpt, i, id);
  assert.deepEqual(at(0), { kind: 'file', path: path.join(run, 'text', 'a.txt'), image: false, line: 2 });
  assert.deepEqual(at(1), { kind: 'file', path: path.join(run, 'img.png'), image: true, line: undefined });
  assert.deepEqual(at(2), { kind: 'file', path: path.join(run, 'text', 'a.txt'), image: false, line: undefined });
  for (const i of [3, 4, 5, 6, 7, 8]) assert.throws(() => at(i), UnsafePathError, sources[i]);
  assert.throws(() => at(3), /leads outside/);
  assert.throws(() => at(4), /must be a path relative to its folder/);
  assert.throws(() => at(6), /symbolic link/);
  assert.throws(() => at(8), /is not a regular file/);
  assert.throws(() => at(9), /does not exist/);
  assert.deepEqual(at(10), { kind: 'file', path: path.join(run, 'text', 'a.txt'), image: false, line: undefined });
  assert.deepEqual(at(0, 99), { kind: 'text', content: 'sample 99 (cap)\n\nan inline caption' });
  // run.json's manifest is checked the same way: outside, through a link, or not a file.
  for (const [m, why] of [
    ['../../' + path.relative('/', path.join(outside, 'samples.jsonl')), /leads outside/],
    ['out/samples.jsonl', /symbolic link/],
    ['a-folder', /not a regular file/],
    ['/etc/passwd', /relative/],
  ] as const) {
    fs.writeFileSync(path.join(run, 'run.json'), JSON.stringify({ manifest: m }));
    assert.throws(
      () => at(0),
      (e: Error) => e instanceof UnsafePathError && why.test(e.message),
      m,
    );
  }
  fs.writeFileSync(path.join(run, 'run.json'), JSON.stringify({ manifest: 'text/none.jsonl' }));
  assert.throws(() => at(0), /no manifest at/);
  // A run folder that is a symlink out of the root is refused before anything in it is read.
  fs.symlinkSync(outside, path.join(root, 'linked'));
  assert.throws(() => resolveSample(root, path.join(root, 'linked', 'epoch-1.npz'), 0), UnsafePathError);
  // A checkpoint outside the root has no run folder there.
  assert.throws(() => resolveSample(root, path.join(outside, 'x', 'epoch-1.npz'), 0), UnsafePathError);
});

test('CSV: interval bounds get columns of their own when checkpoints have them', () => {
  const iv = { level: 0.9, R: [0.1, 0.3], U1: [0, 0.1], U2: [-0.05, 0.02], S: [0.2, 0.4] } as const;
  const lines = toCsv([
    {
      run: 'a',
      name: 'a',
      points: [
        {
          file: '/r/a/e1.npz',
          epoch: 1,
          R: 0.2,
          U1: 0.05,
          U2: 0,
          S: 0.3,
          intervals: { ...iv, R: [0.1, 0.3], U1: [0, 0.1], U2: [-0.05, 0.02], S: [0.2, 0.4] },
        },
        { file: '/r/a/e2.npz', epoch: 2, R: 0.2, U1: 0.05, U2: 0, S: 0.3 },
      ],
    },
  ])
    .trimEnd()
    .split('\n');
  assert.equal(
    lines[0],
    'run,fusion,checkpoint,epoch,step,R,U1,U2,S,R_low,R_high,U1_low,U1_high,U2_low,U2_high,S_low,S_high',
  );
  assert.ok(lines[1].endsWith(',0.1,0.3,0,0.1,-0.05,0.02,0.2,0.4'), lines[1]);
  assert.ok(lines[2].endsWith(',0.3,,,,,,,,'), 'a checkpoint without intervals leaves them empty');
});
