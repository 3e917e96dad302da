import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

/**
 * The house rules a newcomer relies on (GitHub issue 11), checked on the sources themselves:
 * no function over 80 lines (a closure's enclosing function counts all its lines), no source
 * file over 400 lines, and the layers only import downward (core and io know nothing of the
 * runs folder, the worker or the hosts; the worker and runs share the store below them;
 * shared/ is the host-webview contract, a leaf).
 */

const REPO = path.resolve(__dirname, '..', '..');
const MAX_FUNCTION_LINES = 80;
const MAX_FILE_LINES = 400;

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(REPO, dir), { withFileTypes: true })) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(rel));
    else if (/\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

const FILES = [...sources('src'), ...sources('webview')];

function parse(rel: string): ts.SourceFile {
  return ts.createSourceFile(rel, fs.readFileSync(path.join(REPO, rel), 'utf8'), ts.ScriptTarget.Latest, true);
}

test('no function in src/ or webview/ is over 80 lines', () => {
  const long: string[] = [];
  for (const rel of FILES) {
    const sf = parse(rel);
    const visit = (n: ts.Node) => {
      if (ts.isFunctionLike(n) && 'body' in n && n.body) {
        const first = sf.getLineAndCharacterOfPosition(n.getStart()).line;
        const last = sf.getLineAndCharacterOfPosition(n.getEnd()).line;
        if (last - first + 1 > MAX_FUNCTION_LINES) long.push(`${rel}:${first + 1} (${last - first + 1} lines)`);
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  assert.deepEqual(long, [], `functions over ${MAX_FUNCTION_LINES} lines`);
});

test('no source file in src/ or webview/ is over 400 lines', () => {
  const big = FILES.map((rel) => ({ rel, lines: fs.readFileSync(path.join(REPO, rel), 'utf8').split('\n').length }))
    .filter((f) => f.lines > MAX_FILE_LINES)
    .map((f) => `${f.rel} (${f.lines} lines)`);
  assert.deepEqual(big, [], `files over ${MAX_FILE_LINES} lines`);
});

// Which top-level folders of src/ each layer may import from.
const MAY_IMPORT: Record<string, string[]> = {
  io: ['io'],
  core: ['core', 'io'],
  store: ['store', 'io', 'core'],
  worker: ['worker', 'store', 'core', 'io'],
  runs: ['runs', 'shared', 'store', 'worker', 'core', 'io'],
  shared: ['shared'],
  report: ['report', 'shared', 'runs', 'store', 'core', 'io'],
  cli: ['cli', 'report', 'shared', 'runs', 'store', 'worker', 'core', 'io'],
  extension: ['extension', 'report', 'shared', 'runs', 'store', 'worker', 'core', 'io'],
  // The library entry (package exports): the dump writer and the result types.
  'index.ts': ['io', 'core'],
};

test('layers import downward only (io < core < store < worker < runs < hosts)', () => {
  const wrong: string[] = [];
  for (const rel of FILES.filter((f) => f.startsWith('src' + path.sep))) {
    const layer = rel.split(path.sep)[1];
    const allowed = MAY_IMPORT[layer];
    assert.ok(allowed, `${rel}: folder src/${layer} has no place in the layer list`);
    for (const st of parse(rel).statements) {
      if (!ts.isImportDeclaration(st) && !ts.isExportDeclaration(st)) continue;
      const spec = st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier) ? st.moduleSpecifier.text : undefined;
      if (!spec?.startsWith('.')) continue;
      const target = path
        .relative(path.join(REPO, 'src'), path.resolve(path.join(REPO, path.dirname(rel)), spec))
        .split(path.sep)[0];
      if (!allowed.includes(target)) wrong.push(`${rel} imports ${spec} (src/${target})`);
    }
  }
  assert.deepEqual(wrong, [], 'imports that point upward');
});
