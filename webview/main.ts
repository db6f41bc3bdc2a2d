import { pageMark, pageMarksEvent } from './pageMarks';
import './editorComponents';
import { dataFileEditor } from './dataFileEditor';
import { h } from './dom';
import { Editor, EditorContext, ViewState } from './editor';
import { errorEditor } from './errorEditor';
import { etdumpEditor } from './etdumpEditor';
import { programEditor } from './programEditor';
import { DocumentView, EditorConversation, RevealTarget } from '../runtime/protocol/editorMessages';
import { PageChannel } from './pageChannel';

/**
 * Entry point of every editor webview: asks the host for the document, shows
 * the editor for its kind, and follows reveals, link updates and reloads.
 */
const app = document.getElementById('app')!;
let editor: Editor | null = null;
let painted = false;
let renderError: string | null = null;

document.addEventListener('securitypolicyviolation', (e) =>
  console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`),
);

const channel = new PageChannel<EditorConversation>((message) => {
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
    pageMark('readySent');
    const init = await channel.requestUntilAnswered({ type: 'ready' });
    pageMark('initReceived');
    editor = build(init.document);
    app.replaceChildren(editor.element);
    pageMark('rendered');
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
        pageMark('painted');
        channel.send({ type: 'painted', error: renderError });
        channel.send(pageMarksEvent());
      }),
    );
  }
}

void load();
