/** Where in a program something is used: method and instruction index (and the delegate node, if any). */
export interface ProgramLocation {
  method: string;
  /** Instruction index in the method's chain; -1 for the method as a whole. */
  instruction: number;
  /** For things inside a delegate: the node index in the delegate graph. */
  node?: number;
}

/** One thing a program needs that this runner does not have. */
export interface MissingItem {
  kind: 'operator' | 'backend' | 'delegateNode' | 'data' | 'value' | 'instruction';
  /** Operator (`aten::foo.out`), backend id (`QnnBackend`), XNNPACK node kind, data key… */
  name: string;
  /** Why, when the name alone does not say it (e.g. an unsupported argument). */
  detail?: string;
  usedAt: ProgramLocation[];
}

/**
 * A program cannot run here. Raised before anything runs, listing every
 * missing operator, backend, delegate node or data item with where it is used.
 */
export class UnsupportedProgramError extends Error {
  constructor(
    readonly file: string,
    readonly missing: MissingItem[],
  ) {
    super(formatMissing(file, missing));
    this.name = 'UnsupportedProgramError';
  }
}

/** How messages name each kind of missing item. */
export const MISSING_KIND_LABEL: Record<MissingItem['kind'], string> = {
  operator: 'operator',
  backend: 'backend',
  delegateNode: 'XNNPACK node',
  data: 'data',
  value: 'value',
  instruction: 'instruction',
};

/** `forward#3` (instruction 3), `forward#3/node 2` (a delegate's node), or `forward` (the method as a whole). */
export function formatLocation(l: ProgramLocation): string {
  if (l.instruction < 0) return l.method;
  return `${l.method}#${l.instruction}${l.node === undefined ? '' : `/node ${l.node}`}`;
}

function formatMissing(file: string, missing: MissingItem[]): string {
  const counts = new Map<string, number>();
  for (const m of missing) counts.set(MISSING_KIND_LABEL[m.kind], (counts.get(MISSING_KIND_LABEL[m.kind]) ?? 0) + 1);
  const summary = [...counts]
    .map(([label, n]) => `${n} ${label}${n === 1 ? '' : label.endsWith('data') ? '' : 's'}`)
    .join(', ');
  const lines = missing.map((m) => {
    const places =
      m.usedAt.slice(0, 8).map(formatLocation).join(', ') +
      (m.usedAt.length > 8 ? `, … (${m.usedAt.length} uses)` : '');
    return `  ${MISSING_KIND_LABEL[m.kind]} ${m.name}${m.detail ? ` (${m.detail})` : ''}: used at ${places}`;
  });
  return `${file}: cannot run, nothing was run: missing ${summary}\n${lines.join('\n')}`;
}

/** Inputs that do not fit the method (count, dtype, shape) or cannot be parsed. */
export class InvalidInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidInputError';
  }
}

/** A failure while running: a kernel met arguments it cannot handle (e.g. shapes that do not broadcast). */
export class ExecutionError extends Error {
  constructor(
    message: string,
    readonly location: ProgramLocation | null = null,
  ) {
    super(location ? `${formatLocation(location)}: ${message}` : message);
    this.name = 'ExecutionError';
  }
}

/** The run was cancelled through its AbortSignal. */
export class RunCancelledError extends Error {
  constructor() {
    super('run cancelled');
    this.name = 'RunCancelledError';
  }
}

/** The engine cannot run on this machine (e.g. the ExecuTorch addon is not built for it); `reason` says why. */
export class EngineUnavailableError extends ExecutionError {
  constructor(
    readonly engine: string,
    readonly reason: string,
  ) {
    super(`the ${engine} engine is not available here: ${reason}`);
    this.name = 'EngineUnavailableError';
  }
}

/** A failure ExecuTorch's runtime reported (or its process dying); `log` holds the runtime's log lines around it. */
export class NativeRuntimeError extends ExecutionError {
  constructor(
    message: string,
    readonly log: string[] = [],
  ) {
    super(message);
    this.name = 'NativeRuntimeError';
  }
}
