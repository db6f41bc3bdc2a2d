import { Worker } from 'node:worker_threads';
import type { MissingItem } from '../../runtime/exec';
import {
  ErrorKind,
  RunRequest,
  WorkerEnvelope,
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

interface Pending {
  resolve: (value: unknown) => void;
  reject: (e: Error) => void;
  progress?: (message: string) => void;
}

/**
 * The extension host's end of the run worker. The worker starts on the
 * first request and is started again after it ends (a crash, or a cancelled
 * run that would not stop, which ends it: its open programs go with it).
 */
export class RunWorkerClient {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly script: string,
    private readonly log: (line: string) => void,
  ) {}

  request<K extends WorkerRequest['op']>(
    body: Extract<WorkerRequest, { op: K }>,
    progress?: (message: string) => void,
  ): Promise<WorkerResults[K]> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<WorkerResults[K]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, progress });
      worker.postMessage({ id, body } satisfies WorkerEnvelope);
    });
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
    worker.on('message', (m: WorkerMessage) => {
      const waiting = this.pending.get(m.id);
      if (!waiting) return;
      if ('progress' in m) {
        waiting.progress?.(m.progress);
        return;
      }
      this.pending.delete(m.id);
      if (m.ok) waiting.resolve(m.result);
      else waiting.reject(new RunWorkerError(m.error.kind, m.error.message, m.error.missing));
    });
    worker.on('error', (e) => this.log(`the run worker failed: ${e.stack ?? e.message}`));
    worker.on('exit', (code) => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.rejectAll(new RunWorkerError('failed', `the run worker stopped (exit code ${code})`));
    });
    this.worker = worker;
    return worker;
  }

  private rejectAll(e: Error): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const p of waiting) p.reject(e);
  }

  /** Ends the worker; what was waiting for it fails with `reason`. */
  async stop(reason: Error = new RunWorkerError('failed', 'the run worker was stopped')): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.rejectAll(reason);
    await worker?.terminate();
  }

  dispose(): Promise<void> {
    return this.stop();
  }
}
