/**
 * How the compare panel pairs A's samples with B's (src/shared/pairing.ts): the "Pair samples
 * by" control (id or row position; fixed at row position when a dump has no ids), what paired
 * and what did not, and the mean size of the change over the pairs.
 */
import type { PairBy, Pairing } from '../../src/shared/pairing';
import { pairingNote } from '../../src/shared/pairing';
import { el } from '../dom';
import { select } from '../controls';
import { Compare, keyName, meanAbsChange } from './model';

const NAMES: Record<PairBy, string> = { id: 'id', position: 'row position' };

/** `onBy` is called when the reader pairs by the other way. */
export function drawPairing(c: Compare, modes: PairBy[], p: Pairing, onBy: (by: PairBy) => void): HTMLElement {
  const box = el('section', { class: 'pairing', 'data-by': p.by });
  const label = el('span', { class: 'pair-by-label' }, 'Pair samples by ');
  const control = select(
    modes.map((m) => ({ value: m, label: NAMES[m] })),
    p.by,
    { class: 'pair-by', 'aria-label': 'Pair samples by' },
    (v) => onBy(v as PairBy),
  );
  // One way only: the control shows it, and the note says why.
  if (modes.length < 2) control.setAttribute('disabled', '');
  label.append(control);
  const note = el('p', { class: 'note pairing-note' }, pairingNote(p));
  box.append(label, note);
  if (p.pairs.length) {
    const mean = meanAbsChange(c, p.pairs);
    const name = keyName(c, c.state.key);
    box.append(
      el(
        'p',
        { class: 'pairing-summary', 'data-mean-abs-change': String(mean) },
        `mean |Δ${name}| over the ${p.pairs.length.toLocaleString('en-US')} pairs: ${mean.toFixed(3)} nats`,
      ),
    );
  }
  return box;
}
