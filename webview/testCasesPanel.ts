import { BundleView, TestCaseView, TestValueView } from '../runtime/view/viewTypes';
import { facts, h, section } from './dom';
import { EditorContext } from './editor';
import { ArraySource, Column, VirtualTable } from './virtualTable';

function valueText(v: TestValueView): string {
  return `${v.type}: ${v.values.join(', ')}${v.more ? ` … (+${v.more})` : ''}`;
}

const COLUMNS: Column<TestCaseView>[] = [
  { title: 'Method', width: 'minmax(6em, 0.6fr)', cell: (c) => c.method },
  { title: '#', width: '3em', cell: (c) => String(c.index), numeric: true },
  {
    title: 'Inputs',
    width: 'minmax(12em, 2fr)',
    cell: (c) => c.inputs.map(valueText).join('  |  '),
    tooltip: (c) => c.inputs.map(valueText).join('\n'),
  },
  {
    title: 'Expected outputs',
    width: 'minmax(12em, 2fr)',
    cell: (c) => c.expectedOutputs.map(valueText).join('  |  '),
    tooltip: (c) => c.expectedOutputs.map(valueText).join('\n'),
  },
];

/** The test cases bundled with the program, each value with its first elements. */
export function testCasesPanel(
  bundle: BundleView,
  ctx: EditorContext,
): { element: HTMLElement; show(index: number): Promise<void> } {
  const table = new VirtualTable(COLUMNS, new ArraySource(bundle.testCases), {
    label: 'Test cases',
    onSelect: (_c, i) => ctx.selected({ kind: 'testCase', index: i }),
    empty: 'No test cases',
  });
  return {
    element: h('div', { className: 'table-panel' }, section('Bundle', facts(bundle.facts)), table.element),
    async show(index) {
      await table.select(index);
      table.focus();
    },
  };
}
