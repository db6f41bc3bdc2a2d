import type { MethodView } from '../runtime/view/viewTypes';
import { h, icon } from './dom';

/** A vscode-textfield that calls `onChange` with its text, a moment after typing stops. */
export function filterField(
  placeholder: string,
  onChange: (text: string) => void,
  delayMs = 200,
): HTMLElement & { value: string } {
  const field = h('vscode-textfield', {
    placeholder,
    'aria-label': placeholder,
    className: 'filter',
  }) as HTMLElement & { value: string };
  field.append(Object.assign(icon('filter'), { slot: 'content-before' }));
  let timer: ReturnType<typeof setTimeout> | undefined;
  field.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => onChange(field.value), delayMs);
  });
  return field;
}

/** A vscode-single-select over labelled values. */
export function select(
  label: string,
  options: { value: string; label: string }[],
  selected: string,
  onChange: (value: string) => void,
): HTMLElement & { value: string } {
  const el = h('vscode-single-select', { 'aria-label': label, title: label, className: 'select' }) as HTMLElement & {
    value: string;
  };
  for (const o of options) el.append(h('vscode-option', { value: o.value, selected: o.value === selected }, o.label));
  el.addEventListener('change', () => onChange(el.value));
  return el;
}

/** The method a tab shows: a picker when the program has several, else the one method's name. */
export function methodPicker(methods: MethodView[], selected: number, onPick: (method: number) => void): HTMLElement {
  if (methods.length <= 1) return h('span', { className: 'method-name' }, methods[0]?.name ?? '');
  return select(
    'Method',
    methods.map((m) => ({ value: String(m.index), label: m.name })),
    String(selected),
    (v) => onPick(Number(v)),
  );
}

export function button(label: string, iconName: string | null, onClick: () => void, secondary = false): HTMLElement {
  const b = h('vscode-button', { secondary, 'aria-label': label }, label);
  if (iconName) b.setAttribute('icon', iconName);
  b.addEventListener('click', onClick);
  return b;
}

export function toolbar(...children: (Node | string | null)[]): HTMLElement {
  return h('div', { className: 'toolbar', role: 'toolbar' }, ...children);
}

/** A status icon with text for screen readers. */
export function status(kind: 'ok' | 'error' | 'warning' | 'info', text: string): HTMLElement {
  const name = { ok: 'pass', error: 'error', warning: 'warning', info: 'info' }[kind];
  return h('span', { className: `status ${kind}` }, icon(name), h('span', { className: 'sr-only' }, text));
}
