import { h } from './dom';

export interface Column<R> {
  title: string;
  /** A CSS grid track: `5em`, `minmax(10em, 2fr)`. */
  width: string;
  cell: (row: R) => string | Node;
  tooltip?: (row: R) => string;
  /** Makes the header a sort button. */
  compare?: (a: R, b: R) => number;
  numeric?: boolean;
  /** A narrow column holding an icon: no ellipsis, little padding. */
  icon?: boolean;
}

/** Rows by position; a paged source fetches what is about to be shown. */
export interface RowSource<R> {
  readonly total: number;
  get(index: number): R | undefined;
  /** Makes rows [start, end) available; resolves when they are. */
  ensure(start: number, end: number): Promise<void>;
}

export class ArraySource<R> implements RowSource<R> {
  constructor(readonly rows: readonly R[]) {}
  get total(): number {
    return this.rows.length;
  }
  get(index: number): R | undefined {
    return this.rows[index];
  }
  ensure(): Promise<void> {
    return Promise.resolve();
  }
}

/** Rows fetched from the host in pages; `total` is known after the first page. */
export class PagedSource<R> implements RowSource<R> {
  private readonly pages = new Map<number, R[] | Promise<void>>();
  total: number;

  constructor(
    initialTotal: number,
    private readonly fetch: (start: number, count: number) => Promise<{ total: number; rows: R[] }>,
    private readonly pageSize = 200,
  ) {
    this.total = initialTotal;
  }

  get(index: number): R | undefined {
    const page = this.pages.get(Math.floor(index / this.pageSize));
    return Array.isArray(page) ? page[index % this.pageSize] : undefined;
  }

  async ensure(start: number, end: number): Promise<void> {
    const waits: Promise<void>[] = [];
    for (let p = Math.floor(start / this.pageSize); p <= Math.floor(Math.max(start, end - 1) / this.pageSize); p++) {
      const page = this.pages.get(p);
      if (Array.isArray(page)) continue;
      if (page) {
        waits.push(page);
        continue;
      }
      const loading = this.fetch(p * this.pageSize, this.pageSize).then(
        (r) => {
          this.total = r.total;
          this.pages.set(p, r.rows);
        },
        () => {
          this.pages.delete(p);
        },
      );
      this.pages.set(p, loading);
      waits.push(loading);
    }
    await Promise.all(waits);
  }
}

export interface TableOptions<R> {
  label: string;
  rowHeight?: number;
  /** Called when the selection moves (keyboard, click, or `select`). */
  onSelect?: (row: R, index: number) => void;
  /** Enter or double click. */
  onActivate?: (row: R, index: number) => void;
  /** Header click on a sortable column; the table does not sort by itself. */
  onSort?: (column: Column<R>, descending: boolean) => void;
  empty?: string;
  /** Shows at most this many rows (scrolling the rest) instead of filling the window's height. */
  maxRows?: number;
}

let tableCount = 0;

/**
 * A table that renders only the rows in view, so 100 000 rows scroll as
 * smoothly as 10. One element takes focus (the grid); arrows, Page Up/Down,
 * Home/End move the selection, Enter activates it; the selected row is the
 * grid's active descendant for screen readers.
 */
export class VirtualTable<R> {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly header: HTMLElement;
  private readonly emptyNote: HTMLElement;
  private readonly rowHeight: number;
  private readonly id = `vt${++tableCount}`;
  private selectedIndex = -1;
  private sortColumn: Column<R> | null = null;
  private sortDescending = false;
  private renderQueued = false;
  private readonly gridColumns: string;

  constructor(
    private readonly columns: Column<R>[],
    private source: RowSource<R>,
    private readonly options: TableOptions<R>,
  ) {
    this.rowHeight = options.rowHeight ?? 22;
    this.gridColumns = columns.map((c) => c.width).join(' ');
    this.header = h('div', { className: 'vt-header', role: 'row' });
    for (const c of columns) this.header.append(this.headerCell(c));
    this.spacer = h('div', { className: 'vt-spacer' });
    this.emptyNote = h('div', { className: 'vt-empty', hidden: true }, options.empty ?? 'Nothing to show');
    this.body = h(
      'div',
      { className: 'vt-body', tabindex: 0, role: 'grid', 'aria-label': options.label, 'aria-colcount': columns.length },
      this.spacer,
    );
    this.element = h('div', { className: 'vt' }, this.header, this.body, this.emptyNote);
    this.element.style.setProperty('--vt-columns', this.gridColumns);
    this.element.style.setProperty('--vt-row-height', `${this.rowHeight}px`);
    this.body.addEventListener('scroll', () => this.queueRender());
    this.body.addEventListener('keydown', (e) => this.onKey(e));
    this.body.addEventListener('click', (e) => this.onClick(e, false));
    this.body.addEventListener('dblclick', (e) => this.onClick(e, true));
    new ResizeObserver(() => this.fit()).observe(document.body);
    new IntersectionObserver(() => this.fit()).observe(this.element);
  }

  get selected(): number {
    return this.selectedIndex;
  }

  selectedRow(): R | undefined {
    return this.selectedIndex >= 0 ? this.source.get(this.selectedIndex) : undefined;
  }

  setSource(source: RowSource<R>): void {
    this.source = source;
    this.selectedIndex = -1;
    this.body.scrollTop = 0;
    this.fit();
    // A paged source may not know its total (a filtered table) until its first page arrives.
    void source.ensure(0, 1).then(() => this.queueRender());
  }

  refresh(): void {
    this.queueRender();
  }

  /** Selects row `index`, scrolls it into view and (by default) tells `onSelect`. */
  async select(index: number, notify = true): Promise<void> {
    if (this.source.total === 0) return;
    const i = Math.max(0, Math.min(this.source.total - 1, index));
    this.selectedIndex = i;
    const top = i * this.rowHeight;
    const view = this.body.clientHeight - this.rowHeight;
    if (top < this.body.scrollTop) this.body.scrollTop = top;
    else if (top > this.body.scrollTop + view) this.body.scrollTop = top - Math.max(0, view);
    await this.source.ensure(i, i + 1);
    this.render();
    const row = this.source.get(i);
    if (notify && row !== undefined) this.options.onSelect?.(row, i);
  }

  focus(): void {
    this.body.focus();
  }

  /** Fills the height left below the table's top in the window. */
  private fit(): void {
    if (this.options.maxRows) {
      this.body.style.height = `${Math.max(3, Math.min(this.source.total, this.options.maxRows)) * this.rowHeight + 2}px`;
      this.queueRender();
      return;
    }
    const top = this.body.getBoundingClientRect().top;
    if (this.element.offsetParent === null) return; // hidden
    this.body.style.height = `${Math.max(this.rowHeight * 4, window.innerHeight - top - 12)}px`;
    this.queueRender();
  }

  private headerCell(c: Column<R>): HTMLElement {
    if (!c.compare)
      return h('div', { className: `vt-cell vt-head${c.numeric ? ' numeric' : ''}`, role: 'columnheader' }, c.title);
    const button = h(
      'button',
      {
        className: `vt-cell vt-head sortable${c.numeric ? ' numeric' : ''}`,
        role: 'columnheader',
        'aria-sort': 'none',
        title: `Sort by ${c.title}`,
      },
      c.title,
    );
    button.addEventListener('click', () => {
      this.sortDescending = this.sortColumn === c ? !this.sortDescending : false;
      this.sortColumn = c;
      for (const el of this.header.children) el.setAttribute('aria-sort', 'none');
      button.setAttribute('aria-sort', this.sortDescending ? 'descending' : 'ascending');
      this.options.onSort?.(c, this.sortDescending);
    });
    return button;
  }

  private queueRender(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      this.render();
    });
  }

  private render(): void {
    const total = this.source.total;
    this.spacer.style.height = `${total * this.rowHeight}px`;
    this.body.setAttribute('aria-rowcount', String(total));
    this.emptyNote.hidden = total > 0;
    const first = Math.max(0, Math.floor(this.body.scrollTop / this.rowHeight) - 5);
    const last = Math.min(
      total,
      Math.ceil((this.body.scrollTop + Math.max(this.body.clientHeight, 200)) / this.rowHeight) + 5,
    );
    const rows: HTMLElement[] = [];
    let missing = false;
    for (let i = first; i < last; i++) {
      const row = this.source.get(i);
      if (row === undefined) missing = true;
      rows.push(this.rowElement(row, i));
    }
    this.spacer.replaceChildren(...rows);
    if (this.selectedIndex >= first && this.selectedIndex < last)
      this.body.setAttribute('aria-activedescendant', `${this.id}-${this.selectedIndex}`);
    else this.body.removeAttribute('aria-activedescendant');
    if (missing) void this.source.ensure(first, last).then(() => this.queueRender());
  }

  private rowElement(row: R | undefined, index: number): HTMLElement {
    const el = h('div', {
      className: `vt-row${index === this.selectedIndex ? ' selected' : ''}${index % 2 ? ' odd' : ''}`,
      role: 'row',
      id: `${this.id}-${index}`,
      'aria-rowindex': index + 1,
      'aria-selected': index === this.selectedIndex ? 'true' : 'false',
      'data-index': index,
    });
    el.style.transform = `translateY(${index * this.rowHeight}px)`;
    for (const c of this.columns) {
      const content = row === undefined ? '…' : c.cell(row);
      const cell = h(
        'div',
        { className: `vt-cell${c.numeric ? ' numeric' : ''}${c.icon ? ' icon-cell' : ''}`, role: 'gridcell' },
        content,
      );
      const tip = row === undefined ? null : (c.tooltip?.(row) ?? (typeof content === 'string' ? content : null));
      if (tip) cell.title = tip;
      el.append(cell);
    }
    return el;
  }

  private onClick(e: MouseEvent, activate: boolean): void {
    const rowEl = (e.target as HTMLElement).closest<HTMLElement>('.vt-row');
    if (!rowEl) return;
    const index = Number(rowEl.dataset.index);
    void this.select(index).then(() => {
      const row = this.source.get(index);
      if (activate && row !== undefined) this.options.onActivate?.(row, index);
    });
  }

  private onKey(e: KeyboardEvent): void {
    const page = Math.max(1, Math.floor(this.body.clientHeight / this.rowHeight) - 1);
    const moves: Record<string, number> = {
      ArrowDown: this.selectedIndex + 1,
      ArrowUp: this.selectedIndex - 1,
      PageDown: this.selectedIndex + page,
      PageUp: this.selectedIndex - page,
      Home: 0,
      End: this.source.total - 1,
    };
    if (e.key in moves) {
      e.preventDefault();
      void this.select(this.selectedIndex < 0 && e.key !== 'End' ? 0 : moves[e.key]);
    } else if (e.key === 'Enter' && this.selectedIndex >= 0) {
      e.preventDefault();
      const row = this.source.get(this.selectedIndex);
      if (row !== undefined) this.options.onActivate?.(row, this.selectedIndex);
    }
  }
}
