/**
 * The panels' form controls: @vscode-elements/elements web components (native VS Code look,
 * keyboard and screen-reader support, theme variables), wrapped so each panel builds them in
 * one line. Only the components used are imported, keeping the bundles small; they style
 * themselves through adopted stylesheets, so the strict CSP needs no 'unsafe-inline'.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { VscodeCheckbox } from '@vscode-elements/elements/dist/vscode-checkbox/vscode-checkbox.js';
import type { VscodeSingleSelect } from '@vscode-elements/elements/dist/vscode-single-select/vscode-single-select.js';
import type { VscodeTextfield } from '@vscode-elements/elements/dist/vscode-textfield/vscode-textfield.js';

function create<T extends HTMLElement>(tag: string, attrs: Record<string, string>): T {
  const e = document.createElement(tag) as T;
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

export function button(label: string, cls: string, onClick: () => void, secondary = false): HTMLElement {
  const b = create<HTMLElement>('vscode-button', { class: cls, ...(secondary ? { secondary: '' } : {}) });
  b.textContent = label;
  b.addEventListener('click', onClick);
  return b;
}

/** A checkbox; `content` (text or nodes such as a colour swatch) is its label. */
export function checkbox(
  content: Array<Node | string>,
  checked: boolean,
  attrs: Record<string, string>,
  onChange: (checked: boolean) => void,
): VscodeCheckbox {
  const c = create<VscodeCheckbox>('vscode-checkbox', attrs);
  c.checked = checked;
  c.append(...content);
  c.addEventListener('change', () => onChange(c.checked));
  return c;
}

export interface Option {
  value: string;
  label: string;
}

export function select(
  options: Option[],
  value: string,
  attrs: Record<string, string>,
  onChange: (value: string) => void,
): VscodeSingleSelect {
  const s = create<VscodeSingleSelect>('vscode-single-select', attrs);
  // The combobox inside the shadow root takes its name from `label`, not from the host's aria-label.
  if (attrs['aria-label']) s.label = attrs['aria-label'];
  for (const o of options) {
    const opt = create<HTMLElement>(
      'vscode-option',
      o.value === value ? { value: o.value, selected: '' } : { value: o.value },
    );
    opt.textContent = o.label;
    s.append(opt);
  }
  s.addEventListener('change', () => onChange(s.value));
  return s;
}

export function numberField(
  value: number,
  attrs: Record<string, string>,
  onChange: (value: number) => void,
): VscodeTextfield {
  const t = create<VscodeTextfield>('vscode-textfield', { type: 'number', value: String(value), ...attrs });
  // The input inside the shadow root takes its name from `label`, not from the host's aria-label.
  if (attrs['aria-label']) t.label = attrs['aria-label'];
  t.addEventListener('change', () => onChange(Number(t.value)));
  return t;
}
