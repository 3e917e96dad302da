import * as fs from 'fs';
import * as path from 'path';
import { resolveInside } from '../store/safe-path';
import { rootOf, runConfigFile, runDir, runOf } from './layout';
import { CheckpointName, parseCheckpointName } from './naming';
import { RunConfig, readRunConfig } from './run-config';

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
  private configs = new Map<string, RunConfig>();

  constructor(
    private readonly roots: string[],
    /** reports an unreadable run.json or a folder outside its run */
    private readonly warn: (text: string) => void,
  ) {}

  /** Forget the run.json read for run folder `dir` (it changed). */
  forget(dir: string): void {
    this.configs.delete(dir);
  }

  /** run.json of the run folder holding `file` (re-read when it changes). */
  private runConfigOf(file: string): { dir: string; config: RunConfig } {
    const root = rootOf(this.roots, file) ?? path.dirname(file);
    const dir = runDir(root, runOf(root, file));
    let config = this.configs.get(dir);
    if (!config) {
      try {
        config = readRunConfig(dir);
      } catch (e) {
        this.warn((e as Error).message);
        config = {};
      }
      this.configs.set(dir, config);
    }
    return { dir, config };
  }

  /** The run's model checkpoint folder (run.json `checkpoints`), when set and inside the run folder. */
  dirOf(file: string): string | undefined {
    const { dir, config } = this.runConfigOf(file);
    if (!config.checkpoints) return undefined;
    try {
      return resolveInside(dir, config.checkpoints, `${runConfigFile(dir)}: checkpoints`);
    } catch (e) {
      this.warn((e as Error).message);
      config.checkpoints = undefined;
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
