/**
 * The host's answers about a sample selected in the explorer: its trajectory over the run's
 * analysed checkpoints and its preview. Pure (no `vscode`): panel-requests.ts checks trust and
 * the root, then posts these replies; the unit tests call them directly. The page names the
 * checkpoint and row, so both are checked here before anything is read.
 */
import { loadSampleIds } from '../runs/samples';
import type { JobRecord } from '../runs/status';
import { sampleTrajectory } from '../runs/trajectory';
import type { HostToWebview, SamplePreview } from '../shared/protocol';
import { UnsafePathError } from '../store/safe-path';
import { readPreview } from './preview';

type Reply<T extends 'trajectory' | 'preview'> = Extract<HostToWebview, { type: T }>;

/** The job of an analysed checkpoint `file` among `jobs`, when `index` is a row number (a non-negative integer). */
function analysed(jobs: readonly JobRecord[], file: string, index: number): JobRecord | undefined {
  if (!Number.isSafeInteger(index) || index < 0) return undefined;
  return jobs.find((j) => j.file === file && j.state === 'done' && j.key);
}

const missingNote = (n: number) =>
  n ? { note: `${n} checkpoint${n === 1 ? ' of the run does' : 's of the run do'} not hold this sample` } : {};

/**
 * Row `index` of checkpoint `file` over its run's analysed checkpoints among `jobs` (the root's
 * job records); `root` undefined: the checkpoint is in no configured root.
 */
export function trajectoryReply(
  root: string | undefined,
  jobs: readonly JobRecord[],
  file: string,
  index: number,
): Reply<'trajectory'> {
  const none = (note: string): Reply<'trajectory'> => ({ type: 'trajectory', file, index, points: [], note });
  if (!root || !analysed(jobs, file, index)) return none('not an analysed checkpoint in the runs folders');
  try {
    const t = sampleTrajectory(root, jobs, file, index);
    if (!t) return none('no cached values for this sample');
    return { type: 'trajectory', file, index, points: t.points, byPosition: t.byPosition, ...missingNote(t.missing) };
  } catch (e) {
    return none((e as Error).message);
  }
}

/** The preview of row `index` of checkpoint `file` (its entry by id when the dump has ids), or a note saying why not. */
export function previewReply(
  root: string | undefined,
  jobs: readonly JobRecord[],
  file: string,
  index: number,
): Reply<'preview'> {
  const job = root ? analysed(jobs, file, index) : undefined;
  let preview: SamplePreview;
  try {
    preview =
      root && job
        ? readPreview(root, file, index, loadSampleIds(root, job)?.[index])
        : { note: 'LSMI Lens previews samples only of analysed checkpoints in its runs folders' };
  } catch (e) {
    preview = { note: e instanceof UnsafePathError ? `refused: ${e.message}` : (e as Error).message };
  }
  return { type: 'preview', file, index, ...preview };
}
