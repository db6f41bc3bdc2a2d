import * as vscode from 'vscode';
import { DocumentView } from '../runtime/protocol/editorMessages';
import { READABLE_DTYPES } from '../runtime/view/elementReaders';
import { ExecutorchDocument } from './documents';
import { LinkManager, unsettledLinks } from './links';

/** What an editor receives when it opens: the decoded document's view, its current links, and whether it may run (a trusted workspace). */
export function documentView(doc: ExecutorchDocument, links: LinkManager): DocumentView {
  const name = doc.name;
  const state = doc.decoded;
  const linkView = links.get(doc.uri)?.view ?? unsettledLinks();
  switch (state.kind) {
    case 'pte':
      return { kind: 'pte', name, program: state.loaded.view, links: linkView, canRun: vscode.workspace.isTrusted };
    case 'bpte':
      return {
        kind: 'bpte',
        name,
        program: state.loaded.view,
        links: linkView,
        canRun: vscode.workspace.isTrusted,
        bundle: state.bundleView,
      };
    case 'ptd':
      return { kind: 'ptd', name, dataFile: state.view, readableDtypes: [...READABLE_DTYPES] };
    case 'etdp':
      return { kind: 'etdp', name, dump: state.view };
    case 'error':
      return { kind: 'error', name, error: state.view };
  }
}
