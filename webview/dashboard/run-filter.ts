/**
 * Which runs the dashboard draws: a case-insensitive regular expression on their names (an
 * invalid one says so and filters nothing), a checkbox per matching run, and "Select all" /
 * "Select none" acting on the runs the expression matches.
 */
import { el, swatch } from '../dom';
import { button, checkbox } from '../controls';
import { Dashboard, filterRegex, matchingRuns, runTitle, setView, toggleRun } from './state';
import { colorOf } from './colors';

/** The filter's text field; typing redraws and keeps the caret where it was. */
function filterInput(d: Dashboard, redraw: () => void): HTMLElement {
  const input = el('input', {
    type: 'search',
    class: 'run-filter',
    'aria-label': 'Filter runs',
    placeholder: 'Filter runs (regex)',
    value: d.view.filter,
    spellcheck: 'false',
  });
  input.addEventListener('input', () => {
    const caret = input.selectionStart ?? input.value.length;
    setView(d, { filter: input.value });
    redraw();
    const next = d.root.querySelector<HTMLInputElement>('input.run-filter');
    next?.focus();
    next?.setSelectionRange(caret, caret);
  });
  return input;
}

/** Shows (or hides) every run the filter matches. */
function selectMatching(d: Dashboard, on: boolean, redraw: () => void): void {
  const runs = new Set(matchingRuns(d).map((r) => r.run));
  const hidden = d.view.hidden.filter((h) => !runs.has(h));
  setView(d, { hidden: on ? hidden : [...hidden, ...runs] });
  redraw();
}

/** The filter field, its message when the expression is invalid, select all / none and a checkbox per matching run. */
export function runFilter(d: Dashboard, redraw: () => void): HTMLElement {
  const filter = el('fieldset', { class: 'filter' });
  filter.append(el('legend', {}, 'Runs'), filterInput(d, redraw));
  if (d.view.filter && !filterRegex(d.view.filter))
    filter.append(
      el('span', { class: 'filter-error', role: 'alert' }, 'Not a valid regular expression: no runs filtered.'),
    );
  filter.append(
    button('Select all', 'select-all', () => selectMatching(d, true, redraw), true),
    button('Select none', 'select-none', () => selectMatching(d, false, redraw), true),
  );
  for (const r of matchingRuns(d)) {
    filter.append(
      checkbox(
        [swatch(colorOf(d.slots, r.run)), runTitle(r)],
        !d.view.hidden.includes(r.run),
        { 'data-run': r.run },
        (on) => {
          toggleRun(d, r.run, on);
          redraw();
        },
      ),
    );
  }
  return filter;
}
