import { Worker } from 'node:worker_threads';
import type { MissingItem } from '../../runtime/exec';
import { Envelopes, PendingReplies } from '../../runtime/protocol/envelope';
import {
  ErrorKind,
  RunRequest,
  WorkerEnvelope,
  WorkerError,
  WorkerMessage,
  WorkerRequest,
  WorkerResults,
} from '../../runtime/protocol/runWorkerMessages';

/** A failure reported by the run worker, with its kind (and what is missing, for a program that cannot run). */
export class RunWorkerError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly missing: MissingItem[] = [],
  ) {
    super(message);
    this.name = 'RunWorkerError';
  }
}

/** How long a cancelled run may take to stop by itself before its worker is ended. */
export const CANCEL_GRACE_MS = 3000;

/**
 * The extension host's end of the run worker. The worker starts on the
 * first request and is started again after it ends (a crash, or a cancelled
 * run that would not stop, which ends it: its open programs go with it).
 */
export class RunWorkerClient {
  private worker: Worker | null = null;
  private readonly envelopes = new Envelopes();
  private readonly pending = new PendingReplies<WorkerError>((e) => new RunWorkerError(e.kind, e.message, e.missing));

  constructor(
    private readonly script: string,
    private readonly log: (line: string) => void,
  ) {}

  request<K extends WorkerRequest['op']>(
    body: Extract<WorkerRequest, { op: K }>,
    progress?: (message: string) => void,
  ): Promise<WorkerResults[K]> {
    const worker = this.worker ?? this.start();
    const envelope: WorkerEnvelope = this.envelopes.sent(body);
    const reply = this.pending.wait(envelope.id, progress) as Promise<WorkerResults[K]>;
    worker.postMessage(envelope);
    return reply;
  }

  /** Runs in the worker; an abort asks it to stop, and ends the worker if it has not within CANCEL_GRACE_MS. */
  async run(
    request: RunRequest,
    signal?: AbortSignal,
    progress?: (message: string) => void,
  ): Promise<WorkerResults['run']> {
    const result = this.request({ op: 'run', request }, progress);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = () => {
      void this.request({ op: 'cancel', runId: request.runId }).catch(() => undefined);
      timer = setTimeout(() => {
        this.log(
          `the run of ${request.file} did not stop ${CANCEL_GRACE_MS} ms after it was cancelled; ending the run worker`,
        );
        void this.stop(
          new RunWorkerError('cancelled', 'run cancelled; it did not stop by itself, so the run worker was ended'),
        );
      }, CANCEL_GRACE_MS);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await result;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Whether a worker is running (it starts with the first request). */
  get started(): boolean {
    return this.worker !== null;
  }

  private start(): Worker {
    const worker = new Worker(this.script);
    worker.on('message', (m: WorkerMessage) => this.pending.settle(m));
    worker.on('error', (e) => this.log(`the run worker failed: ${e.stack ?? e.message}`));
    worker.on('exit', (code) => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.pending.rejectAll(new RunWorkerError('failed', `the run worker stopped (exit code ${code})`));
    });
    this.worker = worker;
    return worker;
  }

  /** Ends the worker; what was waiting for it fails with `reason`. */
  async stop(reason: Error = new RunWorkerError('failed', 'the run worker was stopped')): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.pending.rejectAll(reason);
    await worker?.terminate();
  }

  dispose(): Promise<void> {
    return this.stop();
  }
}
