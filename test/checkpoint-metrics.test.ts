import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { checkpointMetrics, checkpointTime } from '../src/shared/checkpoint-metrics';

test("checkpointMetrics: information terms and each input's accuracy, by the main pair's names", () => {
  const summary = {
    names: ['audio', 'visual'],
    info: { I1: 0.2, I2: 0.3, I12: 0.6 },
    probes: [
      { modality: 'audio', source: 'probe', accuracy: 0.7 },
      { modality: 'visual', source: 'logits', accuracy: 0.65 },
      { modality: 'audio+visual', source: 'probe', accuracy: 0.9 },
    ],
  };
  assert.deepEqual(checkpointMetrics(summary), {
    info: { I1: 0.2, I2: 0.3, I12: 0.6 },
    accuracy: { x1: 0.7, x2: 0.65, x12: 0.9 },
  });
});

test('checkpointMetrics: what a summary from disk lacks or gets wrong is left out', () => {
  assert.deepEqual(checkpointMetrics(undefined), {});
  assert.deepEqual(checkpointMetrics({ info: { I1: 1, I2: 'x', I12: 2 }, names: 'ab', probes: {} }), {});
  assert.deepEqual(
    checkpointMetrics({
      names: ['a', 'b'],
      probes: [null, { modality: 'a+b', accuracy: Infinity }, { modality: 'b', accuracy: 0.5 }],
    }),
    { accuracy: { x2: 0.5 } },
  );
});

test("checkpointTime: the dump's mtime, else the fallback (the status file writes -1 for unknown)", () => {
  assert.equal(checkpointTime(1_700_000_000_000, 5), 1_700_000_000_000);
  assert.equal(checkpointTime(-1, 5), 5);
  assert.equal(checkpointTime(undefined), undefined);
});
