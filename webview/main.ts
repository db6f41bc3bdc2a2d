import { HostChannel, scriptStarted } from './channel';
import './editorComponents';
import { dataFileEditor } from './dataFileEditor';
import { h } from './dom';
import { Editor, EditorContext, ViewState } from './editor';
import { errorEditor } from './errorEditor';
import { etdumpEditor } from './etdumpEditor';
import { programEditor } from './programEditor';
import { DocumentView, PaintMarks, RevealTarget } from '../runtime/protocol/editorMessages';

/**
 * Entry point of every editor webview: asks the host for the document, shows
 * the editor for its kind, and follows reveals, link updates and reloads.
 */
const app = document.getElementById('app')!;
const epochNow = () => performance.timeOrigin + performance.now();
/** Steps to the first paint, reported to the host for the open benchmark. */
const marks: PaintMarks = {
  documentStart: performance.timeOrigin,
  scriptStart: scriptStarted,
  readySent: 0,
  initReceived: 0,
  rendered: 0,
  painted: 0,
};
let editor: Editor | null = null;
let painted = false;
let renderError: string | null = null;

document.addEventListener('securitypolicyviolation', (e) =>
  console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`),
);

const channel = new HostChannel((message) => {
  switch (message.type) {
    case 'reveal':
      editor?.reveal(message.target);
      return;
    case 'links':
      editor?.updateLinks?.(message.links);
      return;
    case 'reload':
      void load();
      return;
    case 'lastRun':
      editor?.lastRunChanged?.(message.method, message.run);
      return;
  }
});

const state: ViewState = channel.getState<ViewState>() ?? {};
const ctx: EditorContext = {
  channel,
  selected: (target: RevealTarget) => channel.send({ type: 'selected', target }),
  state,
  saveState: () => channel.setState(state),
};

function build(doc: DocumentView): Editor {
  switch (doc.kind) {
    case 'pte':
    case 'bpte':
      return programEditor(doc, ctx);
    case 'ptd':
      return dataFileEditor(doc, ctx);
    case 'etdp':
      return etdumpEditor(doc, ctx);
    case 'error':
      return errorEditor(doc, ctx);
  }
}

async function load(): Promise<void> {
  app.setAttribute('aria-busy', 'true');
  try {
    marks.readySent ||= epochNow();
    const init = await channel.requestUntilAnswered({ type: 'ready' });
    marks.initReceived ||= epochNow();
    editor = build(init.document);
    app.replaceChildren(editor.element);
    marks.rendered ||= epochNow();
    if (init.reveal) editor.reveal(init.reveal);
  } catch (e) {
    renderError = (e as Error).message;
    app.replaceChildren(
      h('p', { className: 'error-text', role: 'alert' }, `This file could not be shown: ${renderError}`),
    );
  } finally {
    app.removeAttribute('aria-busy');
  }
  if (!painted) {
    painted = true;
    requestAnimationFrame(() =>
      requestAnimationFrame(() => {
        marks.painted = epochNow();
        channel.send({ type: 'painted', ms: performance.now(), error: renderError, marks });
      }),
    );
  }
}

void load();
