import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { MAX_NAME_CHARS, displayName, resolveNames, runNames, valueOrigin } from '../src/runs/names';
import { sampleData } from '../src/runs/samples';
import { tempDir } from './helpers';

const RUN_JSON = { modalityNames: ['audio', 'visual'], classNames: ['cat', 'dog'] };
/** A summary of a dump with no names of its own: tensors x1, x2 and two classes. */
const PLAIN = { meta: { epoch: 3 }, classes: 2, pair: [0, 1], names: ['x1', 'x2'] };

test('names: the dump metadata first, then run.json, else none (the panels show numbers)', () => {
  const dumpNamed = {
    ...PLAIN,
    meta: { modalityNames: ['mic', 'cam'], classNames: ['yes', 'no'] },
    names: ['mic', 'cam'],
    classNames: ['yes', 'no'],
  };
  assert.deepEqual(resolveNames(dumpNamed, RUN_JSON), { modalityNames: ['mic', 'cam'], classNames: ['yes', 'no'] });
  assert.deepEqual(resolveNames(PLAIN, RUN_JSON), { modalityNames: ['audio', 'visual'], classNames: ['cat', 'dog'] });
  assert.deepEqual(resolveNames(PLAIN, {}), {}, 'no names: nothing sent, the panels draw numbers and U1, U2');
  assert.deepEqual(resolveNames(undefined, undefined), {});
  // A class the dump leaves unnamed takes run.json's name; one neither names, its number.
  assert.deepEqual(
    resolveNames({ ...PLAIN, classes: 4, classNames: ['yes'] }, { classNames: ['cat', 'dog', 'bird'] }).classNames,
    ['yes', 'dog', 'bird', '3'],
  );
  // One modality named: the other keeps the dump's tensor name.
  assert.deepEqual(resolveNames(PLAIN, { modalityNames: ['audio'] }).modalityNames, ['audio', 'x2']);
  // The analysed pair picks the names by modality index (U1 is modality 2 here, U2 modality 0).
  assert.deepEqual(
    resolveNames({ ...PLAIN, pair: [2, 0] }, { modalityNames: ['audio', 'visual', 'text'] }).modalityNames,
    ['text', 'audio'],
  );
});

test('names from files are untrusted: wrong types skipped, count capped at the classes, length capped', () => {
  // summary.json is read from disk: its meta is not checked, so anything may be in it.
  const odd = { ...PLAIN, meta: { modalityNames: 'mic', classNames: [7, { x: 1 }] }, classNames: undefined };
  assert.deepEqual(resolveNames(odd, RUN_JSON), { modalityNames: ['audio', 'visual'], classNames: ['cat', 'dog'] });
  assert.equal(
    resolveNames(PLAIN, { classNames: ['a', 'b', 'c', 'd', 'e'] }).classNames?.length,
    2,
    'never more names than classes',
  );
  const long = 'n'.repeat(500);
  const shown = resolveNames(PLAIN, { classNames: [long, 'dog'] }).classNames![0];
  assert.equal(Array.from(shown).length, MAX_NAME_CHARS);
  assert.ok(shown.endsWith('…'));
  assert.equal(displayName('cat\n\u202egod\u0007'), 'cat  god', 'line breaks, direction overrides and bells as spaces');
  assert.equal(displayName('   '), undefined, 'a blank name is no name');
  assert.equal(displayName('😀'.repeat(70))!.endsWith('😀…'), true, 'cut at whole code points');
  // A markup-looking name stays the string it is (the panels set it as text).
  assert.equal(displayName('<img src=x onerror=alert(1)>'), '<img src=x onerror=alert(1)>');
});

test('value origin: logits, probes or mixed from the probes list; nothing when it has none', () => {
  const p = (source: string, modality: string) => ({ source, modality });
  assert.deepEqual(valueOrigin({ probes: [p('logits', 'x1'), p('logits', 'x2'), p('logits', 'x1+x2')] }), {
    source: 'logits',
    sourceLabel: 'from logits',
  });
  assert.equal(valueOrigin({ probes: [p('probe', 'x1'), p('probe', 'x2')] }).source, 'probes');
  const mixed = valueOrigin({ probes: [p('logits', 'x1'), p('probe', 'x2')] });
  assert.equal(mixed.source, 'mixed');
  assert.match(mixed.sourceLabel ?? '', /x1 from logits/);
  assert.deepEqual(valueOrigin({ probes: 'nonsense' }), {});
  assert.deepEqual(valueOrigin(undefined), {});
});

test('run.json names: read with readRunConfig; a malformed file or a run outside the root gives none', () => {
  const root = tempDir('lsmi-names-');
  fs.mkdirSync(path.join(root, 'good'));
  fs.writeFileSync(path.join(root, 'good', 'run.json'), JSON.stringify(RUN_JSON));
  fs.mkdirSync(path.join(root, 'bad'));
  fs.writeFileSync(path.join(root, 'bad', 'run.json'), '{"classNames": "cat"');
  assert.deepEqual(runNames(root, 'good').classNames, ['cat', 'dog']);
  assert.deepEqual(runNames(root, 'bad'), {});
  assert.deepEqual(runNames(root, 'missing'), {});
  assert.deepEqual(runNames(root, '../elsewhere'), {});
});

test('sample data carries the resolved names and value source; class rows are named as the classes', () => {
  const n = 4;
  const arr = (v: number) => Array.from({ length: n }, () => v);
  const row = (c: number) => ({ class: c, n: 2, R: 0.1, U1: 0.2, U2: 0.3, S: 0.4 });
  const summary = {
    ...PLAIN,
    nTotal: n,
    classNames: undefined,
    perClass: [row(0), row(1)],
    dataset: { R: 0.1, U1: 0.2, U2: 0.3, S: 0.4 },
    probes: [
      { source: 'probe' as const, modality: 'x1', accuracy: 1, crossEntropy: 0 },
      { source: 'probe' as const, modality: 'x2', accuracy: 1, crossEntropy: 0 },
    ],
  } as unknown as Parameters<typeof sampleData>[2]['summary'];
  const samples = { r: arr(0.1), u1: arr(0.2), u2: arr(0.3), s: arr(0.4), y: [0, 1, 0, 1] };
  const d = sampleData('run', '/r/run/epoch-3.npz', { summary, samples, run: RUN_JSON });
  assert.deepEqual(d.classNames, ['cat', 'dog']);
  assert.deepEqual(d.modalityNames, ['audio', 'visual']);
  assert.deepEqual(
    d.perClass.map((c) => c.name),
    ['cat', 'dog'],
  );
  assert.equal(d.source, 'probes');
  const plain = sampleData('run', '/r/run/epoch-3.npz', { summary, samples });
  assert.equal(plain.classNames, undefined, 'without run.json or dump names the explorer shows numbers');
  assert.equal(plain.perClass[0].name, undefined);
});
