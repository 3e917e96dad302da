/**
 * A FIFO (named pipe) in a runs root, where a dump, its meta.json, run.json, status.json, a
 * cache file or a sample's source should be, is refused at once: a plain open or read of a
 * pipe waits for a writer forever, which in the extension would stall VS Code's extension host.
 * Each read runs in a child process with a time limit, so a regression fails here instead of
 * hanging the suite.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { writeDump } from '../src/io/dump';
import { REPO, smallTensors, tempDir } from './helpers';

const mkfifo = spawnSync('mkfifo', ['--version']).error ? undefined : 'mkfifo';
const missing = mkfifo ? undefined : 'no mkfifo on this system (coreutils): FIFOs cannot be made here';
if (missing) console.log(`# skipped FIFO tests: ${missing}`);

/** Runs `body` (JS using `out`, the compiled src/ folder) in a child; its printed JSON, or the failure. */
function inChild(body: string): unknown {
  const script = `const out = ${JSON.stringify(path.join(REPO, 'out', 'src'))}; const r = (() => { ${body} })(); console.log(JSON.stringify(r));`;
  try {
    return JSON.parse(execFileSync(process.execPath, ['-e', script], { timeout: 20_000, encoding: 'utf8' }));
  } catch (e) {
    const err = e as { code?: string; signal?: string; stderr?: string };
    assert.fail(
      err.signal === 'SIGTERM' ? `blocked: no answer in 20 s (${body})` : `failed: ${err.stderr ?? String(e)}`,
    );
  }
}

const fifo = (file: string) => execFileSync('mkfifo', [file]);

/** What reading and hashing a dump say (as the worker does both), in a child with a time limit. */
const readAndHash = (file: string) =>
  inChild(`
    const { readDump } = require(out + '/io/dump');
    const { contentHash } = require(out + '/store/keys');
    const f = ${JSON.stringify(file)};
    const tryIt = (fn) => { try { fn(); return 'read'; } catch (e) { return e.message; } };
    return [tryIt(() => readDump(f)), tryIt(() => contentHash(f))];
  `) as string[];

test(
  'a FIFO as a dump, its meta.json, run.json, status.json or a sample file is refused at once',
  { skip: missing },
  () => {
    const root = tempDir('lsmi-fifo-');
    const run = path.join(root, 'late');
    fs.mkdirSync(run);
    // The dump itself: reading and hashing it.
    fifo(path.join(run, 'epoch-0001.safetensors'));
    const dump = readAndHash(path.join(run, 'epoch-0001.safetensors'));
    assert.match(dump[0], /epoch-0001\.safetensors: is not a regular file \(a device or pipe\)/);
    assert.match(dump[1], /not a regular file \(a device or pipe\)/);
    // A good dump whose meta.json sibling is a pipe.
    writeDump(path.join(run, 'epoch-0002.safetensors'), smallTensors(12));
    fifo(path.join(run, 'epoch-0002.meta.json'));
    const meta = readAndHash(path.join(run, 'epoch-0002.safetensors'));
    assert.match(meta[0], /epoch-0002\.meta\.json: cannot read: .*not a regular file/);
    assert.match(meta[1], /epoch-0002\.meta\.json: not a regular file/);
    // run.json and the root's status.json.
    fifo(path.join(run, 'run.json'));
    fs.mkdirSync(path.join(root, '.lsmi'), { recursive: true });
    fifo(path.join(root, '.lsmi', 'status.json'));
    const state = inChild(`
    const { readRunConfig } = require(out + '/runs/run-config');
    const { savedJobs } = require(out + '/runs/status');
    let config;
    try { readRunConfig(${JSON.stringify(run)}); config = 'read'; } catch (e) { config = e.message; }
    return [config, savedJobs(${JSON.stringify(root)}).length];
  `) as [string, number];
    assert.match(state[0], /run\.json: not a regular file/);
    assert.equal(state[1], 0, 'an unreadable status.json is no saved jobs');
  },
);

test(
  'the regular-file reader refuses pipes, links (unless followed) and files over its limit',
  { skip: missing },
  () => {
    const dir = tempDir('lsmi-fifo-');
    fs.writeFileSync(path.join(dir, 'a.txt'), 'hello');
    fs.symlinkSync(path.join(dir, 'a.txt'), path.join(dir, 'link.txt'));
    fifo(path.join(dir, 'pipe'));
    const r = inChild(`
    const { readRegularFile } = require(out + '/io/regular-file');
    const d = ${JSON.stringify(dir)};
    const tryIt = (fn) => { try { return fn().toString(); } catch (e) { return (e.code ?? '') + ' ' + e.message; } };
    return [
      tryIt(() => readRegularFile(d + '/a.txt', 100)),
      tryIt(() => readRegularFile(d + '/a.txt', 4)),
      tryIt(() => readRegularFile(d + '/link.txt', 100)),
      tryIt(() => readRegularFile(d + '/link.txt', 100, { followLink: true })),
      tryIt(() => readRegularFile(d + '/pipe', 100)),
      tryIt(() => readRegularFile(d, 100)),
    ];
  `) as string[];
    assert.equal(r[0], 'hello');
    assert.match(r[1], /5 bytes, more than the 4-byte limit/);
    assert.match(r[2], /^ELOOP /);
    assert.equal(r[3], 'hello');
    assert.match(r[4], /^ENOTREG .*pipe: not a regular file \(a device or pipe\)/);
    assert.match(r[5], /^EISDIR .*not a regular file \(a folder\)/);
  },
);
