import * as fs from 'fs';
import * as path from 'path';
import { resolveInside } from '../store/safe-path';
import { rootOf, runConfigFile, runDir, runOf } from './layout';
import { CheckpointName, parseCheckpointName } from './naming';
import { RunConfigs } from './run-config';

/**
 * Do a dump and a model checkpoint name the same training point? By step where both have one
 * (a Lightning `epoch=3-step=1200.ckpt` pairs with `step-1200.npz` and `epoch=3-step=1200.safetensors`,
 * not with `epoch=3-step=1300.safetensors`), else by epoch (`epoch-0003.safetensors`). A step
 * never pairs with an epoch, and a name with neither (`last.ckpt`) pairs with nothing.
 */
export function sameCheckpoint(a: CheckpointName, b: CheckpointName): boolean {
  if (a.step !== undefined && b.step !== undefined) return a.step === b.step;
  return a.epoch !== undefined && a.epoch === b.epoch;
}

/**
 * The model checkpoint folders of the watched runs (run.json `checkpoints`): a run that sets
 * one pairs each dump with the model checkpoint of the same epoch/step, and waits for it.
 */
export class ModelCheckpoints {
  constructor(
    private readonly roots: string[],
    /** reports an unreadable run.json or a folder outside its run */
    warn: (text: string) => void,
    /** the runs' run.json, read again when it changes; its problems reported once per change */
    private readonly configs = new RunConfigs(roots, warn),
  ) {}

  /** The run's model checkpoint folder (run.json `checkpoints`), when set and inside the run folder. */
  dirOf(file: string): string | undefined {
    const root = rootOf(this.roots, file) ?? path.dirname(file);
    const dir = runDir(root, runOf(root, file));
    const { checkpoints } = this.configs.ofDir(dir);
    if (!checkpoints) return undefined;
    try {
      return resolveInside(dir, checkpoints, `${runConfigFile(dir)}: checkpoints`);
    } catch (e) {
      this.configs.report((e as Error).message);
      return undefined;
    }
  }

  /** Has the model checkpoint paired with this dump been written in `dir`? */
  has(file: string, dir: string): boolean {
    const want = parseCheckpointName(file);
    let names: string[] = [];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return false;
    }
    return names.some((n) => !n.startsWith('.') && !/\.tmp/.test(n) && sameCheckpoint(parseCheckpointName(n), want));
  }
}
