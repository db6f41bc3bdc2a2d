import { withFile } from '../format/byteSource';
import { decodeDelegatePayloads } from '../format/delegatePayloads';
import { decodeFile } from '../format/decodeFile';
import { FormatError } from '../format/errors';
import { Program } from '../format/pte/pteTypes';
import { formatBytes } from '../text/formatBytes';
import { MethodMemoryPlan, programMemoryPlans } from '../view/memoryPlan';
import { CliIo, EXIT_OK, parseCommandArgs, UsageError } from './io';
import { toJson } from './json';

/** The program of a `.pte` or `.bpte`; other files have no methods. */
export async function programOf(path: string, source: Parameters<typeof decodeFile>[0]): Promise<Program> {
  const decoded = await decodeFile(source);
  if (decoded.kind === 'pte') return decoded;
  if (decoded.kind === 'bpte') return decoded.program;
  throw new FormatError(path, `a .${decoded.kind} file has no methods; give a .pte or .bpte`, null);
}

export function selectMethods<T extends { method: string }>(all: T[], method: string | undefined, path: string): T[] {
  checkMethodName(
    all.map((m) => m.method),
    method,
    path,
  );
  return method === undefined ? all : all.filter((m) => m.method === method);
}

/** `--method NAME`, when given, must name one of the program's methods. */
export function checkMethodName(names: string[], method: string | undefined, path: string): void {
  if (method !== undefined && !names.includes(method))
    throw new UsageError(`${path} has no method '${method}' (methods: ${names.join(', ')})`);
}

export async function memoryCommand(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(argv, { json: { type: 'boolean' }, method: { type: 'string' } });
  if (parsed.positionals.length !== 1) throw new UsageError('memory takes exactly one program');
  const path = parsed.positionals[0];
  return withFile(path, async (source) => {
    const program = await programOf(path, source);
    const payloads = await decodeDelegatePayloads(program);
    const plans = selectMethods(programMemoryPlans(program, payloads), parsed.values.method, path);
    io.out(parsed.values.json ? toJson({ file: program.source.name, methods: plans }) : memoryText(plans));
    return EXIT_OK;
  });
}

const step = (i: number, count: number) => (i < 0 ? 'entry' : i >= count ? 'exit' : `#${i}`);
const lifetime = (start: number | null, end: number | null, count: number) =>
  start === null || end === null ? 'never used' : `${step(start, count)}..${step(end, count)}`;

export function memoryText(plans: MethodMemoryPlan[]): string {
  const lines: string[] = [];
  for (const plan of plans) {
    lines.push(`method ${plan.method}: ${plan.instructionCount} instructions, ${plan.arenas.length} arena(s)`);
    if (plan.backwardJumps.length)
      lines.push(
        `  loops (backward jumps): ${plan.backwardJumps.map((j) => `#${j.from}->#${j.to}`).join(', ')}; lifetimes inside them cover the whole loop`,
      );
    for (const a of plan.arenas) {
      const size = a.size === null ? 'not in non_const_buffer_sizes' : formatBytes(a.size);
      const share = a.size ? ` (${((100 * a.peakLiveBytes) / a.size).toFixed(1)}%)` : '';
      lines.push(
        `  arena mem_id ${a.memoryId}: size ${size}, peak live ${formatBytes(a.peakLiveBytes)}${share} at ${a.peakAt === null ? 'no step' : step(a.peakAt, plan.instructionCount)}, never live ${formatBytes(a.neverLiveBytes)}, ${a.tensors.length} tensors`,
      );
      for (const t of a.tensors) {
        const marks = [
          t.role,
          t.viewOf !== null ? `view of %${t.viewOf}` : '',
          t.fullyQualifiedName ?? '',
          t.outOfBounds ? 'OUT OF BOUNDS' : '',
        ]
          .filter(Boolean)
          .join(', ');
        lines.push(
          `    %${t.value} ${t.dtype}[${t.shape.join(', ')}] offset ${t.offset} size ${t.size ?? '?'} live ${lifetime(t.start, t.end, plan.instructionCount)} (${marks})`,
        );
      }
      for (const g of a.aliases) {
        const shown =
          g.values
            .slice(0, 12)
            .map((v) => `%${v}`)
            .join(', ') + (g.values.length > 12 ? ` and ${g.values.length - 12} more` : '');
        lines.push(
          `    alias at offset ${g.offset}: ${shown} (${g.lifetimesOverlap ? 'live at the same time: shared storage' : 'live one after the other: reused place'})`,
        );
      }
    }
  }
  return lines.join('\n');
}
