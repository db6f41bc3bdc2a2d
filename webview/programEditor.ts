import { LastRunView, LinkView } from '../runtime/view/viewTypes';
import { h } from './dom';
import { Editor, EditorContext } from './editor';
import { delegatesPanel, DelegatesPanel } from './delegatesPanel';
import { externalPanel, ExternalPanel, namedDataPanel } from './externalPanel';
import { graphPanel, GraphPanel } from './graph/graphPanel';
import { fetchGraph, GraphFetch, layoutWorker } from './graph/graphFetch';
import { memoryPanel, MemoryPanel } from './memoryPanel';
import { methodTable, MethodTable } from './methodTables';
import { overviewPanel } from './overviewPanel';
import { DocumentView, RevealTarget } from '../runtime/protocol/editorMessages';
import { Tabs } from './tabs';
import { testCasesPanel } from './testCasesPanel';

type ProgramDocument = Extract<DocumentView, { kind: 'pte' | 'bpte' }>;

/** Above this many instructions the host's graph build takes long enough that it waits for the Graph tab. */
const PREFETCH_INSTRUCTIONS = 20_000;

/**
 * The editor of a `.pte` (and of the program inside a `.bpte`): overview,
 * instructions, values, delegates, named data, external data and, for
 * bundles, test cases, one tab each.
 */
export function programEditor(doc: ProgramDocument, ctx: EditorContext): Editor {
  const program = doc.program;
  let links = doc.links;
  let instructions: MethodTable | undefined;
  let values: MethodTable | undefined;
  let delegates: DelegatesPanel | undefined;
  let external: ExternalPanel | undefined;
  let named: ReturnType<typeof namedDataPanel> | undefined;
  let tests: ReturnType<typeof testCasesPanel> | undefined;
  let overview: ReturnType<typeof overviewPanel> | undefined;
  let memory: MemoryPanel | undefined;
  let graph: GraphPanel | undefined;
  /** The Graph tab's first graph, asked for and laid out while the person reads another tab. */
  let prefetched: GraphFetch | null = null;

  const externalCount = () => links.keys.filter((k) => k.status !== 'inProgram').length;
  const problemCount = () => links.problems.filter((p) => p.severity === 'error').length;
  const tabs: Tabs = new Tabs(
    [
      {
        id: 'overview',
        title: 'Overview',
        build: () =>
          (overview = overviewPanel(
            program,
            () => links,
            ctx,
            (m) => void showInstructions(m),
            doc.canRun,
            doc.profile,
          )).element,
      },
      {
        id: 'instructions',
        title: 'Instructions',
        badge: program.methods.reduce((n, m) => n + m.instructionCount, 0),
        build: () =>
          (instructions = methodTable('instructions', program.methods, ctx, (row, m) => {
            if ('delegateIndex' in row && row.delegateIndex !== null) void showDelegate(m, row.delegateIndex);
          })).element,
      },
      {
        id: 'values',
        title: 'Values',
        badge: program.methods.reduce((n, m) => n + m.valueCount, 0),
        build: () => (values = methodTable('values', program.methods, ctx)).element,
      },
      {
        id: 'graph',
        title: 'Graph',
        build: () => {
          graph = graphPanel(
            program.methods,
            ctx,
            { showInstruction: (m, i) => void showInstructions(m, i) },
            prefetched,
          );
          prefetched = null;
          void graph.show(Math.min(ctx.state.method ?? 0, program.methods.length - 1));
          return graph.element;
        },
      },
      {
        id: 'memory',
        title: 'Memory',
        build: () => {
          memory = memoryPanel(program.methods, ctx, {
            showInstruction: (m, i) => void showInstructions(m, i),
            showValue: (m, v) => {
              tabs.show('values');
              void values!.show(m, v);
            },
          });
          void memory.show(Math.min(ctx.state.method ?? 0, program.methods.length - 1));
          return memory.element;
        },
      },
      {
        id: 'delegates',
        title: 'Delegates',
        badge: program.delegates.length,
        build: () => (delegates = delegatesPanel(program.delegates, ctx)).element,
      },
      {
        id: 'named',
        title: 'Named data',
        badge: program.namedData.length,
        build: () => (named = namedDataPanel(program.namedData, ctx)).element,
      },
      {
        id: 'external',
        title: 'External data',
        badge: doc.links.settled ? externalCount() : program.externalTensorCount,
        build: () => (external = externalPanel(links, ctx)).element,
      },
      ...(doc.kind === 'bpte'
        ? [
            {
              id: 'tests',
              title: 'Test cases',
              badge: doc.bundle.testCases.length,
              build: () => (tests = testCasesPanel(doc.bundle, ctx)).element,
            },
          ]
        : []),
    ],
    (id) => {
      ctx.state.tab = id;
      ctx.saveState();
    },
  );

  const problems = h('span', { className: 'tab-problems', role: 'status' });
  const showProblems = () => {
    const n = problemCount();
    problems.textContent = n ? `${n} link problem${n > 1 ? 's' : ''}` : '';
  };
  showProblems();

  async function showInstructions(method: number, index?: number): Promise<void> {
    tabs.show('instructions');
    await instructions!.show(method, index);
  }
  async function showDelegate(method: number, index: number): Promise<void> {
    tabs.show('delegates');
    await delegates!.show(method, index);
  }

  const element = h(
    'div',
    { className: 'editor program-editor' },
    h(
      'header',
      { className: 'editor-header' },
      h('h1', null, doc.name),
      h('span', { className: 'muted' }, `${doc.kind === 'bpte' ? 'bundled program' : 'program'} ${program.identifier}`),
      problems,
    ),
    tabs.element,
  );
  tabs.show(ctx.state.tab ?? 'overview');
  // Once the editor has painted, start the graph's layout worker and get the Graph tab's first graph
  // ready: the host's graph build and ELK's start-up then run while the person reads, not after the
  // click. Only for methods whose graph builds in well under a second on the host.
  requestAnimationFrame(() =>
    setTimeout(() => {
      layoutWorker();
      const m = Math.min(ctx.state.method ?? 0, program.methods.length - 1);
      if (!graph && program.methods[m]?.instructionCount <= PREFETCH_INSTRUCTIONS)
        prefetched = fetchGraph(ctx, m, { delegates: new Set(), blocks: new Set(), chunks: new Set() });
    }, 0),
  );

  return {
    element,
    reveal(target: RevealTarget) {
      switch (target.kind) {
        case 'overview':
          tabs.show('overview');
          return;
        case 'method':
          void showInstructions(target.method);
          return;
        case 'instruction':
          if (tabs.active === 'graph' && graph) void graph.show(target.method, target.index);
          else void showInstructions(target.method, target.index);
          return;
        case 'value':
          tabs.show('values');
          void values!.show(target.method, target.index);
          return;
        case 'delegate':
          void showDelegate(target.method, target.index);
          return;
        case 'namedData':
          tabs.show('named');
          void named!.show(target.key);
          return;
        case 'externalKey':
          tabs.show('external');
          void external!.show(target.key);
          return;
        case 'testCase':
          tabs.show('tests');
          void tests?.show(target.index);
          return;
        default:
          return;
      }
    },
    lastRunChanged(method: number, run: LastRunView | null) {
      prefetched = null;
      instructions?.lastRunChanged?.(method, run);
      graph?.lastRunChanged(method);
    },
    updateLinks(next: LinkView) {
      links = next;
      prefetched = null;
      graph?.linksChanged();
      external?.update(next);
      overview?.updateLinks();
      showProblems();
      const badge = tabs.element.querySelector('[data-tab=external] vscode-badge');
      if (badge) badge.textContent = String(externalCount());
    },
  };
}
