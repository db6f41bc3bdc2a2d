/** Small DOM helpers; everything the editors show is built with these (no innerHTML, so no injection). */

type Child = Node | string | number | null | undefined | false;
type Props = Record<string, string | number | boolean | EventListener | null | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props?: Props | null,
  ...children: Child[]
): HTMLElementTagNameMap[K];
export function h(tag: string, props?: Props | null, ...children: Child[]): HTMLElement;
export function h(tag: string, props: Props | null = null, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, '').toLowerCase(), value);
    else if (name === 'className') el.className = String(value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'number' ? String(c) : c);
  }
}

export function clear(el: Element): void {
  el.replaceChildren();
}

/** A codicon, hidden from screen readers. */
export function icon(name: string): HTMLElement {
  return h('span', { className: `codicon codicon-${name}`, 'aria-hidden': 'true' });
}

/** A key/value list (`dl`) of facts. */
export function facts(items: { label: string; value: string }[]): HTMLElement {
  const dl = h('dl', { className: 'facts' });
  for (const f of items) dl.append(h('dt', null, f.label), h('dd', null, f.value));
  return dl;
}

export function section(title: string, ...children: Child[]): HTMLElement {
  return h('section', { className: 'section' }, h('h2', null, title), ...children);
}
