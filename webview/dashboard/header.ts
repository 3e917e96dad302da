/** The dashboard's header: title, run filter, layout, x axis, intervals, smoothing, zoom reset and export buttons. */
import { el } from '../dom';
import { button, checkbox, select } from '../controls';
import { Dashboard, ViewState, setView } from './state';
import { exportRuns } from './export';
import { runFilter } from './run-filter';
import { axisSelect } from './x-axis';

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
  const intervals = checkbox(['Show intervals'], d.view.intervals, { class: 'show-intervals' }, (on) =>
    change({ intervals: on }),
  );
  intervals.setAttribute('aria-label', 'Show intervals');
  const axis = el('label', { class: 'x-axis' }, 'x ');
  axis.append(
    axisSelect(d, (v) => {
      // A zoom is in the old axis's units.
      d.zoom = undefined;
      change({ xAxis: v });
    }),
  );
  const reset = button(
    'Reset zoom',
    'reset-zoom',
    () => {
      d.zoom = undefined;
      redraw();
    },
    true,
  );
  reset.setAttribute('aria-label', 'Reset zoom');
  if (!d.zoom) reset.setAttribute('disabled', '');
  header.append(
    runFilter(d, redraw),
    layout,
    axis,
    intervals,
    smoothingSlider(d.view.smoothing, (v) => change({ smoothing: v })),
    reset,
    button('Export CSV', 'export-csv', () => exportRuns(d, 'csv'), true),
    button('Export JSON', 'export-json', () => exportRuns(d, 'json'), true),
  );
  return header;
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
