/** The dashboard's header: title, run filter, layout, smoothing and export buttons. */
import { el, swatch } from '../dom';
import { button, checkbox, select } from '../controls';
import { Dashboard, ViewState, runTitle, setView, toggleRun } from './state';
import { colorOf } from './colors';
import { exportRuns } from './export';

/** `redraw` draws the panel again after a control changed the view. */
export function drawHeader(d: Dashboard, redraw: () => void): HTMLElement {
  const header = el('header');
  header.append(el('h1', {}, d.title));
  const change = (patch: Partial<ViewState>) => {
    setView(d, patch);
    redraw();
  };
  const layout = select(
    [
      { value: 'interaction', label: 'Runs overlaid' },
      { value: 'run', label: 'One chart per run' },
    ],
    d.view.layout,
    { class: 'layout-select', 'aria-label': 'Layout' },
    (v) => change({ layout: v as ViewState['layout'] }),
  );
  header.append(
    runFilter(d, redraw),
    layout,
    smoothingSlider(d.view.smoothing, (v) => change({ smoothing: v })),
    button('Export CSV', 'export-csv', () => exportRuns(d, 'csv'), true),
    button('Export JSON', 'export-json', () => exportRuns(d, 'json'), true),
  );
  return header;
}

/** A checkbox per run, in its colour. */
function runFilter(d: Dashboard, redraw: () => void): HTMLElement {
  const filter = el('fieldset', { class: 'filter' });
  filter.append(el('legend', {}, 'Runs'));
  for (const r of d.runs) {
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

/** No slider among the web components: a native range input, coloured by the theme. */
function smoothingSlider(value: number, onChange: (v: number) => void): HTMLElement {
  const label = el('label', { class: 'smoothing' }, 'Smoothing ');
  const slider = el('input', {
    type: 'range',
    min: '0',
    max: '0.9',
    step: '0.1',
    value: String(value),
    'aria-label': 'Smoothing',
  });
  slider.addEventListener('change', () => onChange(Number(slider.value)));
  label.append(slider);
  return label;
}
