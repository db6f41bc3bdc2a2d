import './runComponents';
import type {
  RunHostMessage,
  RunReportView,
  RunTarget,
  RunViewConversation,
  RunViewState,
} from '../../runtime/protocol/runViewMessages';
import { append, clear, facts, h, icon } from '../dom';
import { PageChannel } from '../pageChannel';
import { ms } from './format';
import { stepsList } from './stepsList';
import { valueBlock } from './valueViews';

const app = document.getElementById('app')!;
const channel = new PageChannel<RunViewConversation>(receive);

/** What the page saved with `setState`: shown again at once when a hidden view is rebuilt. */
function savedState(): RunViewState {
  const s = channel.getState<Partial<RunViewState>>();
  return { report: s?.report ?? null, target: s?.target ?? null, steps: s?.steps === true };
}

function saveState(state: RunViewState): void {
  channel.setState(state);
}

let steps = savedState().steps;

function button(label: string, iconName: string, onClick: () => void, secondary = true): HTMLElement {
  const b = h('vscode-button', { secondary, icon: iconName, 'aria-label': label }, label);
  b.addEventListener('click', onClick);
  return b;
}

function stepsToggle(): HTMLElement {
  const box = h('vscode-checkbox', {
    checked: steps,
    label: 'Run with intermediates',
    title: 'Record the values every instruction writes (step mode) on the next run',
  }) as HTMLElement & { checked: boolean };
  box.addEventListener('change', () => {
    steps = box.checked;
    saveState({ ...savedState(), steps });
  });
  return box;
}

function header(r: RunReportView, stale: boolean): HTMLElement {
  return h(
    'header',
    { className: 'run-header' },
    h('h1', null, icon('play'), ' ', r.programName, ' ', h('span', { className: 'method mono' }, r.method)),
    facts([
      { label: 'Program', value: r.programPath },
      {
        label: 'Data files',
        value: r.dataFiles.length ? r.dataFiles.join('\n') : 'none (the program holds its weights)',
      },
      { label: 'Engine', value: r.engine },
      { label: 'Inputs', value: r.inputsLabel },
      {
        label: 'Ran at',
        value: `${new Date(r.ranAt).toLocaleString()}${stale ? ' (before the window reloaded: Run Again to run it now)' : ''}`,
      },
    ]),
  );
}

function actions(): HTMLElement {
  return h(
    'div',
    { className: 'toolbar', role: 'toolbar', 'aria-label': 'Run actions' },
    button('Run Again', 'debug-rerun', () => channel.send({ type: 'runAgain', steps }), false),
    button('Save Outputs as .npy…', 'save', () => channel.send({ type: 'save', format: 'npy' })),
    button('Save Outputs as JSON…', 'json', () => channel.send({ type: 'save', format: 'json' })),
    stepsToggle(),
  );
}

function timing(r: RunReportView): HTMLElement {
  const t = r.timing;
  return h(
    'section',
    { className: 'section timing' },
    h('h2', null, 'Timing'),
    facts([
      { label: 'Load', value: t.loadMs === null ? 'loaded by an earlier run' : ms(t.loadMs) },
      { label: 'First run', value: ms(t.firstRunMs) },
      {
        label: 'Steady state',
        value:
          t.steadyMs === null
            ? 'not measured (pteExplorer.run.steadyStateRuns is 0)'
            : `${ms(t.steadyMs)} (median of ${t.steadyRuns} runs)`,
      },
    ]),
  );
}

function expected(r: RunReportView): HTMLElement | null {
  const e = r.expected;
  if (!e) return null;
  return h(
    'p',
    { className: `expected ${e.passed ? 'passed' : 'failed'}`, role: 'status' },
    icon(e.passed ? 'pass' : 'error'),
    ' ',
    e.passed
      ? `Matches the bundled expected outputs (max |error| ${e.maxAbsError}).`
      : `Differs from the bundled expected outputs: ${e.reason ?? ''} (max |error| ${e.maxAbsError}).`,
  );
}

function render(r: RunReportView, stale: boolean): void {
  clear(app);
  app.setAttribute('aria-busy', 'false');
  append(app, [
    header(r, stale),
    actions(),
    expected(r),
    h(
      'section',
      { className: 'section outputs' },
      h('h2', null, `Outputs (${r.outputs.length})`),
      r.outputs.length ? null : h('p', { className: 'muted' }, 'This method returns nothing.'),
      ...r.outputs.map((o, i) => valueBlock(o, `output ${i}`)),
    ),
    timing(r),
    h(
      'vscode-collapsible',
      { title: `Inputs (${r.inputs.length}): ${r.inputsLabel}`, className: 'inputs' },
      h(
        'div',
        { className: 'collapsible-body' },
        r.inputs.length ? null : h('p', { className: 'muted' }, 'This method takes no inputs.'),
        ...r.inputs.map((v, i) => valueBlock(v, `input ${i}`)),
      ),
    ),
    r.steps
      ? h(
          'section',
          { className: 'section' },
          h(
            'h2',
            null,
            `Intermediates (${r.steps.length} instruction${r.steps.length === 1 ? '' : 's'}, with the statistics of what each wrote)`,
          ),
          r.steps.length
            ? stepsList(r.steps, (index) => channel.send({ type: 'revealInstruction', index }))
            : h('p', { className: 'muted' }, 'No instruction ran.'),
        )
      : null,
  ]);
}

function showRunning(method: string): void {
  app.setAttribute('aria-busy', 'true');
  const banner = h('div', { className: 'running', role: 'status' }, h('vscode-progress-ring'), `Running ${method}…`);
  const existing = app.querySelector('.running');
  if (existing) existing.replaceWith(banner);
  else app.prepend(banner);
}

function showFailure(message: string): void {
  app.setAttribute('aria-busy', 'false');
  app.querySelector('.running')?.remove();
  app.querySelector('.run-error')?.remove();
  app.prepend(
    h(
      'div',
      { className: 'run-error', role: 'alert' },
      icon('error'),
      ' ',
      h('span', { className: 'message' }, message),
    ),
  );
}

function receive(m: RunHostMessage): void {
  switch (m.type) {
    case 'report':
      paint(m.report, m.target, m.stale);
      return;
    case 'running':
      showRunning(m.method);
      return;
    case 'runFailed':
      showFailure(m.message);
      return;
  }
}

function paint(report: RunReportView, target: RunTarget | null, stale: boolean): void {
  try {
    render(report, stale);
    saveState({ report, target, steps });
    channel.send({ type: 'painted', outputs: report.outputs.length, error: null });
  } catch (e) {
    channel.send({ type: 'painted', outputs: 0, error: e instanceof Error ? e.message : String(e) });
  }
}

// A hidden view is torn down; paint the saved report at once, then ask the host for the latest.
const saved = savedState();
if (saved.report) render(saved.report, false);
channel.send({ type: 'ready' });
