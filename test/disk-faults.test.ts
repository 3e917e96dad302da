import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CLI, tempDir } from './helpers';

/**
 * A full disk and a read-only file system under a root's .lsmi, for real: a tiny tmpfs
 * mounted in a private mount namespace (`unshare -m`, so nothing outside this test sees it).
 */
function inNamespace(root: string, mountOpts: string): ReturnType<typeof spawnSync> {
  const state = path.join(root, '.lsmi');
  fs.mkdirSync(state, { recursive: true });
  const script = `mount -t tmpfs -o ${mountOpts} lsmi-test "${state}" && exec "${process.execPath}" "${CLI}" watch "${root}" --once --json --folds 2 --backend wasm`;
  return spawnSync('unshare', ['-m', 'sh', '-c', script], { encoding: 'utf8', timeout: 120_000 });
}

function canMount(): string | undefined {
  const probe = tempDir('lsmi-mnt-');
  const r = spawnSync('unshare', ['-m', 'sh', '-c', `mount -t tmpfs -o size=4k lsmi-probe "${probe}"`], {
    encoding: 'utf8',
  });
  if (r.error) return `unshare is not available (${r.error.message})`;
  if (r.status !== 0)
    return `cannot mount a tmpfs in a private mount namespace here (${r.stderr.trim()}); run the tests as root or with user namespaces`;
  return undefined;
}

const why = canMount();
if (why) console.log(`# disk-faults: skipped: ${why}`);

function rootWithDump(): string {
  const root = tempDir('lsmi-disk-');
  fs.mkdirSync(path.join(root, 'run'));
  const s = spawnSync(
    process.execPath,
    [CLI, 'synth', 'or', '--n', '300', '--seed', '3', '--out', path.join(root, 'run', 'epoch-0001.safetensors')],
    { encoding: 'utf8' },
  );
  assert.equal(s.status, 0, s.stderr);
  return root;
}

for (const [name, opts, message] of [
  ['a full disk (ENOSPC)', 'size=8k', /disk is full/],
  ['a read-only file system', 'ro,size=64k', /read-only/],
] as const) {
  test(`${name} under .lsmi: a clear message, and the result is still reported`, { skip: why }, () => {
    const r = inNamespace(rootWithDump(), opts);
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    const lines = String(r.stdout)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { dataset?: { S: number }; error?: string });
    assert.equal(lines.length, 1);
    assert.ok(Number.isFinite(lines[0].dataset?.S), 'the result was not lost');
    assert.match(String(r.stderr), message);
    assert.doesNotMatch(String(r.stderr), /internal error|\n\s+at /);
  });
}
