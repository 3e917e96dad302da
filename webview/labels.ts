/**
 * How the panels name what the host resolved for them (src/runs/names.ts): U1 and U2 by their
 * modality, classes by name, and a badge saying where a checkpoint's values came from. The
 * names come from the runs' files: they are only ever set as text.
 */
import type { DisplayNames, ValueOrigin, ValueSource } from '../src/shared/protocol';
import type { Interaction, SampleKey } from './interactions';
import { el } from './dom';

/** U1's and U2's modality names; either may be unknown. */
export type ModalityNames = readonly [string | undefined, string | undefined] | undefined;

/** "U1 (audio)", "u2 (visual)": a uniqueness with its modality when there are names; R and S as they are. */
export function interactionLabel(k: Interaction | SampleKey, names: ModalityNames): string {
  const m = k === 'U1' || k === 'u1' ? names?.[0] : k === 'U2' || k === 'u2' ? names?.[1] : undefined;
  return m ? `${k} (${m})` : k;
}

/**
 * Each modality's name where all of `named` that have names agree on it (U1 and U2 apart);
 * undefined when none has names.
 */
export function sharedModalityNames(named: DisplayNames[]): ModalityNames {
  const all = named.flatMap((n) => (n.modalityNames ? [n.modalityNames] : []));
  if (!all.length) return undefined;
  const agreed = (k: 0 | 1) => (all.every((m) => m[k] === all[0][k]) ? all[0][k] : undefined);
  return [agreed(0), agreed(1)];
}

/** A class's name when the host sent one, else its number. */
export const classLabel = (names: DisplayNames | undefined, c: number): string => names?.classNames?.[c] ?? String(c);

const SOURCES: readonly ValueSource[] = ['logits', 'probes', 'mixed'];

/** The longer form of where values came from, for a tooltip: "from logits". */
export const originText = (o: ValueOrigin | undefined): string =>
  o?.source ? (o.sourceLabel ?? (o.source === 'mixed' ? 'mixed: logits and probes' : `from ${o.source}`)) : '';

/**
 * A small badge "logits", "probes" or "mixed" beside a checkpoint's values, the longer form as
 * its tooltip; undefined when the host did not say. Styled through CSSOM (a strict CSP blocks
 * style attributes), in the theme's badge colours.
 */
export function sourceBadge(o: ValueOrigin | undefined): HTMLElement | undefined {
  const source = o?.source;
  if (!source || !SOURCES.includes(source)) return undefined;
  const b = el(
    'span',
    { class: `source-badge source-${source}`, 'data-source': source, title: `values ${originText(o)}` },
    source,
  );
  Object.assign(b.style, {
    display: 'inline-block',
    margin: '0 6px',
    padding: '0 5px',
    borderRadius: '8px',
    fontSize: '0.8em',
    fontWeight: 'normal',
    lineHeight: '1.5',
    verticalAlign: 'middle',
    whiteSpace: 'nowrap',
    color: 'var(--vscode-badge-foreground, var(--vscode-descriptionForeground, #6b6b6b))',
    background: 'var(--vscode-badge-background, transparent)',
    border: '1px solid var(--vscode-contrastBorder, var(--vscode-editorWidget-border, #d4d4d4))',
  });
  return b;
}
