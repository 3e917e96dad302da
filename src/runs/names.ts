/**
 * What the panels and the report name things by, resolved on the host: the analysed
 * modalities and the classes (the dump's metadata first, then the run's run.json, else the
 * panels' numbers and U1, U2), and where a checkpoint's values came from (logits or probes).
 * Every input is read from a runs root, so none is trusted: wrong types are skipped and names
 * are shortened for display.
 */
import { MAX_CLASSES } from '../io/limits';
import { resolveInside } from '../store/safe-path';
import type { DisplayNames, ValueOrigin } from '../shared/protocol';
import { valueSource, valueSourceLabel, type ValueSourceProbe } from '../shared/value-source';
import { readRunConfig, type RunConfig } from './run-config';

/** Longest name the panels show, in characters; a longer one ends in an ellipsis. */
export const MAX_NAME_CHARS = 60;

/** The fields of a result summary names and the value source come from (a summary read from disk). */
export interface NamedSummary {
  meta?: unknown;
  classes?: unknown;
  classNames?: unknown;
  pair?: unknown;
  names?: unknown;
  probes?: unknown;
}

/** The names run.json gives (RunConfig's). */
export type RunNames = Pick<RunConfig, 'modalityNames' | 'classNames'>;

/** Control and direction-override characters would garble a line of text: they show as spaces. */
// Lone surrogates too: encodeURIComponent (the PNG export) throws on them.
const UNPRINTABLE = /[\p{Cc}\p{Cs}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/**
 * A name as the panels show it: unprintable characters as spaces, trimmed, at most
 * `max` characters (whole code points); undefined when it is not a non-empty string.
 */
export function displayName(v: unknown, max = MAX_NAME_CHARS): string | undefined {
  if (typeof v !== 'string') return undefined;
  const chars = Array.from(v.replace(UNPRINTABLE, ' ').trim());
  if (!chars.length) return undefined;
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : chars.join('');
}

/** Entry `i` of a list that may not be one, as a display name. */
const nameAt = (list: unknown, i: number) => (Array.isArray(list) ? displayName(list[i]) : undefined);

const field = (o: unknown, k: string): unknown =>
  typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[k] : undefined;

/** The analysed pair of modalities (indices), [0, 1] when the summary does not say. */
function pairOf(s: NamedSummary | undefined): [number, number] {
  const p = s?.pair;
  const ok = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
  return Array.isArray(p) && p.length === 2 && ok(p[0]) && ok(p[1]) ? [p[0] as number, p[1] as number] : [0, 1];
}

/** U1's and U2's modality names, or undefined when neither the dump nor run.json names one. */
function modalityNames(s: NamedSummary | undefined, run: RunNames | undefined): [string, string] | undefined {
  const dump = field(s?.meta, 'modalityNames');
  const pair = pairOf(s);
  const given = pair.map((i) => nameAt(dump, i) ?? nameAt(run?.modalityNames, i));
  if (given.every((n) => n === undefined)) return undefined;
  // One named, the other not: that one keeps the dump's tensor name (x1, x2, ...).
  const fallback = (k: number) => nameAt(s?.names, k) ?? `x${pair[k] + 1}`;
  return [given[0] ?? fallback(0), given[1] ?? fallback(1)];
}

/** The class count: the summary's, else the longer list given (never more than a dump may have). */
function classCount(s: NamedSummary | undefined, lists: unknown[]): number {
  const k = s?.classes;
  if (Number.isSafeInteger(k) && (k as number) >= 0) return Math.min(k as number, MAX_CLASSES);
  return Math.min(MAX_CLASSES, Math.max(0, ...lists.map((l) => (Array.isArray(l) ? l.length : 0))));
}

/** One name per class, or undefined when neither the dump nor run.json names a class. */
function classNames(s: NamedSummary | undefined, run: RunNames | undefined): string[] | undefined {
  const dump = Array.isArray(s?.classNames) ? s.classNames : field(s?.meta, 'classNames');
  const K = classCount(s, [dump, run?.classNames]);
  let named = false;
  const out = Array.from({ length: K }, (_, c) => {
    const n = nameAt(dump, c) ?? nameAt(run?.classNames, c);
    named ||= n !== undefined;
    return n ?? String(c);
  });
  return named ? out : undefined;
}

/** The names of a checkpoint: the dump's metadata, else run.json; absent when neither names them. */
export function resolveNames(summary: NamedSummary | undefined, run: RunNames | undefined): DisplayNames {
  const m = modalityNames(summary, run),
    c = classNames(summary, run);
  return { ...(m ? { modalityNames: m } : {}), ...(c ? { classNames: c } : {}) };
}

/** Where a checkpoint's values came from, from its summary's probes list; empty when it has none. */
export function valueOrigin(summary: NamedSummary | undefined): ValueOrigin {
  const probes = Array.isArray(summary?.probes) ? (summary.probes as ValueSourceProbe[]) : undefined;
  const source = valueSource(probes);
  if (!source) return {};
  const label = valueSourceLabel(probes);
  return { source, ...(label ? { sourceLabel: displayName(label, 4 * MAX_NAME_CHARS) } : {}) };
}

/** Names and value source of a checkpoint, as the panels get them. */
export function checkpointNames(
  summary: NamedSummary | undefined,
  run: RunNames | undefined,
): DisplayNames & ValueOrigin {
  return { ...resolveNames(summary, run), ...valueOrigin(summary) };
}

/**
 * A run's run.json, for its names: a run folder that is not inside the root, or a run.json
 * that is malformed, gives no names (the panels fall back to numbers) rather than an error.
 */
export function runNames(root: string, run: string): RunConfig {
  try {
    return readRunConfig(resolveInside(root, run, 'run folder'));
  } catch {
    return {};
  }
}
