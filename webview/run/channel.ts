import { RunHostMessage, RunViewState, RunWebviewMessage } from '../../runtime/protocol/runViewMessages';
import { VsCodeApi, vscodeApi } from '../vscodeApi';

/** The run view's end of `runProtocol.ts`: plain messages both ways, and the saved view state. */
export class RunChannel {
  private readonly api: VsCodeApi = vscodeApi();

  constructor(onMessage: (message: RunHostMessage) => void) {
    window.addEventListener('message', (e: MessageEvent<unknown>) => {
      const m = e.data as RunHostMessage | null;
      if (
        typeof m === 'object' &&
        m !== null &&
        (m.type === 'report' || m.type === 'running' || m.type === 'runFailed')
      )
        onMessage(m);
    });
  }

  send(message: RunWebviewMessage): void {
    this.api.postMessage(message);
  }

  get state(): RunViewState {
    const s = this.api.getState() as Partial<RunViewState> | undefined;
    return { report: s?.report ?? null, target: s?.target ?? null, steps: s?.steps === true };
  }

  set state(state: RunViewState) {
    this.api.setState(state);
  }
}
