import * as fs from 'fs';
import * as path from 'path';
import { writeDump } from '../../io/dump';
import { Rng } from '../rng';
import { sampleMixture } from './mixture';
import { sampleTensors } from './dump';
import { syntheticSet } from './sets';

/**
 * A small synthetic training run: two fusion configurations, four epochs each, whose
 * features carry a changing mix of redundant, unique and synergistic label information
 * (preset-interaction sets, so every checkpoint has an exact truth to compare against).
 */
export const DEMO_RUNS = [
  {
    run: 'late-fusion',
    fusion: 'late (sum of unimodal heads)',
    mix: (e: number) => ({ R: 0.8 - 0.15 * e, U: 0.2 + 0.15 * e, S: 0 }),
  },
  {
    run: 'early-fusion',
    fusion: 'early (concatenated features)',
    mix: (e: number) => ({ R: 0.7 - 0.15 * e, U: 0.2, S: 0.1 + 0.15 * e }),
  },
];
export const DEMO_EPOCHS = 4;
export const DEMO_SAMPLES = 2000;

export function writeDemoRuns(root: string): string[] {
  const files: string[] = [];
  for (const [r, cfg] of DEMO_RUNS.entries()) {
    const dir = path.join(root, 'runs', cfg.run);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'run.json'),
      JSON.stringify(
        {
          name: cfg.run,
          fusion: cfg.fusion,
          modalityNames: ['audio', 'visual'],
          classNames: ['negative', 'positive'],
        },
        null,
        2,
      ),
    );
    for (let e = 1; e <= DEMO_EPOCHS; e++) {
      const m = cfg.mix(e - 1);
      const spec = `preset:${m.R.toFixed(2)}R+${m.U.toFixed(2)}U${m.S > 0 ? `+${m.S.toFixed(2)}S` : ''}`;
      const set = syntheticSet(spec, { dim: 8, noise: 0.55 - 0.08 * e });
      const sample = sampleMixture(set.model, DEMO_SAMPLES, new Rng(1000 * r + e));
      const file = path.join(dir, `epoch-${String(e).padStart(4, '0')}.safetensors`);
      writeDump(file, sampleTensors(sample), {
        epoch: e,
        modalityNames: ['audio', 'visual'],
        classNames: ['negative', 'positive'],
        synthetic: spec,
        noise: 0.55 - 0.08 * e,
      });
      files.push(file);
    }
  }
  return files;
}
