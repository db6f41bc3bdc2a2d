import { LastRunView, LinkView } from '../runtime/view/viewTypes';
import { EditorConversation, RevealTarget } from '../runtime/protocol/editorMessages';
import { PageChannel } from './pageChannel';

/** What every editor view gets: the channel to the host and a way to report selection. */
export interface EditorContext {
  channel: PageChannel<EditorConversation>;
  /** Tells the host what the person selected, so the tree follows. */
  selected(target: RevealTarget): void;
  /** Remembered across the webview being hidden and shown again. */
  state: ViewState;
  saveState(): void;
}

export interface ViewState {
  tab?: string;
  method?: number;
}

export interface Editor {
  element: HTMLElement;
  reveal(target: RevealTarget): void;
  updateLinks?(links: LinkView): void;
  /** A run with intermediates of `method` was recorded (or cleared, `run` null). */
  lastRunChanged?(method: number, run: LastRunView | null): void;
}
