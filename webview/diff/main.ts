import './compareComponents';
import { CompareView } from '../../runtime/view/diffViewModel';
import { h } from '../dom';
import { Tabs } from '../tabs';
import { CompareConversation } from '../../runtime/protocol/compareMessages';
import { PageChannel } from '../pageChannel';
import { loraChart } from './loraChart';
import { methodsPanel } from './methodsPanel';
import { summaryStrip } from './summaryStrip';
import { tensorsPanel } from './tensorsPanel';

/**
 * Entry point of the compare view: asks the host for the comparison and
 * shows its summary, the tensor table with the LoRA chart, and the methods.
 */
const app = document.getElementById('app')!;
document.addEventListener('securitypolicyviolation', (e) =>
  console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`),
);
// The host sends this page no events.
const channel = new PageChannel<CompareConversation>(() => undefined);

// When the panel gets the focus back (after a row was shown in the editors, or
// on switching tabs), the workbench focuses the page, not the row list the
// person was in: put it back there.
let lastFocused: HTMLElement | null = null;
document.addEventListener('focusin', (e) => {
  lastFocused = e.target instanceof HTMLElement ? e.target : null;
});
window.addEventListener('focus', () => {
  if ((document.activeElement === document.body || document.activeElement === null) && lastFocused?.isConnected)
    lastFocused.focus();
});
const reveal = (index: number) => channel.send({ type: 'reveal', reveal: index });

function sideLine(label: string, side: CompareView['a']): HTMLElement {
  const data = side.dataFiles.length
    ? ` + ${side.dataFiles.map((f) => f.slice(Math.max(f.lastIndexOf('/'), f.lastIndexOf('\\')) + 1)).join(', ')}`
    : '';
  return h(
    'div',
    { className: 'side-line', title: [side.file, ...side.dataFiles].join('\n') },
    h('span', { className: `side-label label-${label.toLowerCase()}` }, label),
    ` ${side.name}${data}`,
  );
}

function build(view: CompareView): { element: HTMLElement; rows: () => number; shown: () => void } {
  const tensors = tensorsPanel(view, reveal);
  const header = h('header', { className: 'editor-header compare-header' }, h('h1', null, view.title));
  const sides = h('div', { className: 'sides muted' }, sideLine('A', view.a), sideLine('B', view.b));
  const changedTensors = view.tensors.length - view.summary.tensors.identical;
  const tabs: Tabs | null =
    view.kind === 'linkedProgram'
      ? new Tabs(
          [
            { id: 'tensors', title: 'Tensors', badge: changedTensors, build: () => tensors.element },
            ...(view.lora.length
              ? [
                  {
                    id: 'lora',
                    title: 'LoRA layers',
                    badge: view.lora.length,
                    build: () =>
                      loraChart(view.lora, { a: view.a.name, b: view.b.name }, (layer) => {
                        tabs?.show('tensors');
                        tensors.showLayer(layer);
                      }),
                  },
                ]
              : []),
            { id: 'methods', title: 'Methods', badge: view.methods.length, build: () => methodsPanel(view, reveal) },
          ],
          () => undefined,
        )
      : null;
  return {
    element: h(
      'div',
      { className: 'editor compare-view' },
      header,
      sides,
      summaryStrip(view),
      tabs?.element ?? tensors.element,
    ),
    rows: () => tensors.shown,
    // Panels are built when first shown, once the tabs are in the page.
    shown: () => tabs?.show('tensors'),
  };
}

async function load(): Promise<void> {
  let rows = 0;
  try {
    const init = await channel.request({ type: 'ready' });
    const built = build(init.view);
    app.replaceChildren(built.element);
    built.shown();
    rows = built.rows();
  } catch (e) {
    app.replaceChildren(
      h('p', { className: 'error-text', role: 'alert' }, `The comparison could not be shown: ${(e as Error).message}`),
    );
  } finally {
    app.removeAttribute('aria-busy');
  }
  requestAnimationFrame(() => requestAnimationFrame(() => channel.send({ type: 'painted', rows })));
}

void load();
