import { h } from './dom';

export interface TabSpec {
  id: string;
  title: string;
  badge?: string | number;
  /** Builds the panel's content the first time the tab is shown. */
  build: () => HTMLElement;
}

/**
 * A vscode-tabs element whose panels are built on first show (tables need
 * to be visible to measure themselves). Arrow keys move between tab headers.
 */
export class Tabs {
  readonly element: HTMLElement;
  private readonly panels = new Map<string, HTMLElement>();
  private readonly built = new Set<string>();
  private current = '';

  constructor(
    private readonly specs: TabSpec[],
    private readonly onShow: (id: string) => void,
    addons?: HTMLElement,
  ) {
    const tabs = h('vscode-tabs', { className: 'tabs' });
    for (const spec of specs) {
      const header = h('vscode-tab-header', { slot: 'header', 'data-tab': spec.id }, spec.title);
      if (spec.badge !== undefined)
        header.append(h('vscode-badge', { variant: 'counter', slot: 'content-after' }, String(spec.badge)));
      const panel = h('vscode-tab-panel', { 'data-panel': spec.id });
      this.panels.set(spec.id, panel);
      tabs.append(header, panel);
    }
    if (addons) {
      addons.slot = 'addons';
      tabs.append(addons);
    }
    tabs.addEventListener('vsc-tabs-select', (e) =>
      this.shown(this.specs[(e as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex].id),
    );
    this.element = tabs;
  }

  get active(): string {
    return this.current;
  }

  show(id: string): void {
    const index = this.specs.findIndex((s) => s.id === id);
    if (index < 0) return;
    (this.element as HTMLElement & { selectedIndex: number }).selectedIndex = index;
    this.shown(id);
  }

  private shown(id: string): void {
    this.current = id;
    if (!this.built.has(id)) {
      this.built.add(id);
      this.panels.get(id)!.append(this.specs.find((s) => s.id === id)!.build());
    }
    this.onShow(id);
  }
}
