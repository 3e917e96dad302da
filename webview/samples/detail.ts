/**
 * The selected sample's details: its trajectory over the run's checkpoints (trajectory.ts) and
 * its preview (thumbnail.ts). Selecting a row asks the host for both; replies for a sample no
 * longer selected are dropped. The section survives the panel's redraws (it is kept per panel).
 */
import type { HostToWebview } from '../../src/shared/protocol';
import { el } from '../dom';
import { Samples, inputIndex } from './state';
import { TrajectoryReply, drawTrajectory } from './trajectory';
import { PreviewReply, drawThumbnail } from './thumbnail';

interface Detail {
  box: HTMLElement;
  /** the sample asked about: checkpoint file and position in the dump */
  file?: string;
  index?: number;
  trajectory?: TrajectoryReply;
  preview?: PreviewReply;
}

const details = new WeakMap<Samples, Detail>();

function detailOf(s: Samples): Detail {
  let d = details.get(s);
  if (!d) {
    d = { box: el('section', { class: 'sample-detail' }) };
    details.set(s, d);
  }
  return d;
}

/** The selected sample's checkpoint and position in the dump, if a sample is selected. */
function selected(s: Samples): { file: string; index: number } | undefined {
  if (!s.data || s.selected < 0 || s.selected >= s.data.n) return undefined;
  return { file: s.data.file, index: inputIndex(s.data, s.selected) };
}

function paint(s: Samples, d: Detail): void {
  const at = selected(s);
  if (!at || at.file !== d.file || at.index !== d.index) {
    d.box.replaceChildren(
      el('h2', {}, 'Selected sample'),
      el('p', { class: 'note' }, "Select a sample to see it and its values over the run's checkpoints."),
    );
    return;
  }
  d.box.replaceChildren(
    el('h2', {}, `Sample ${at.index}`),
    drawThumbnail(d.preview),
    d.trajectory
      ? drawTrajectory(d.trajectory, s.data?.modalityNames)
      : el('p', { class: 'note' }, 'loading its values over the checkpoints…'),
  );
}

/** Asks the host for the selected sample's trajectory and preview (call when the selection changes). */
export function requestDetail(s: Samples): void {
  const at = selected(s);
  const d = detailOf(s);
  if (!at || (at.file === d.file && at.index === d.index)) return;
  Object.assign(d, { ...at, trajectory: undefined, preview: undefined });
  paint(s, d);
  s.vscode.postMessage({ type: 'trajectory', ...at });
  s.vscode.postMessage({ type: 'preview', ...at });
}

/** A reply of the host: kept and drawn when it is about the sample asked about. */
export function receiveDetail(s: Samples, m: Extract<HostToWebview, { type: 'trajectory' | 'preview' }>): void {
  const d = detailOf(s);
  if (m.file !== d.file || m.index !== d.index) return;
  if (m.type === 'trajectory') d.trajectory = m;
  else d.preview = m;
  paint(s, d);
}

/** The details section; a selection made elsewhere (the host's, a scatter's) is asked about here. */
export function drawDetail(s: Samples): HTMLElement {
  const d = detailOf(s);
  requestDetail(s);
  paint(s, d);
  return d.box;
}
