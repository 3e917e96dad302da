import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { valueSource, valueSourceLabel } from '../src/shared/value-source';

test('valueSource: logits, probes, mixed, or undefined without probes', () => {
  const l = (modality: string) => ({ modality, source: 'logits' as const });
  const p = (modality: string) => ({ modality, source: 'probe' as const });
  assert.equal(valueSource([l('a'), l('b'), l('a+b')]), 'logits');
  assert.equal(valueSource([p('a'), p('b'), p('a+b')]), 'probes');
  assert.equal(valueSource([p('a'), p('b'), l('a+b')]), 'mixed');
  assert.equal(valueSource([]), undefined);
  assert.equal(valueSource(undefined), undefined);
  assert.equal(valueSourceLabel([l('a'), l('b')]), 'from logits');
  assert.equal(valueSourceLabel([p('a'), p('b')]), 'from probes');
  assert.equal(valueSourceLabel([p('audio'), p('visual'), l('audio+visual')]), 'mixed: audio+visual from logits');
  assert.equal(valueSourceLabel(undefined), undefined);
  // A summary read from disk is untrusted: unknown entries are skipped, not counted.
  const junk = [null, { source: 'other' }, l('a')] as unknown as Parameters<typeof valueSource>[0];
  assert.equal(valueSource(junk), 'logits');
});
