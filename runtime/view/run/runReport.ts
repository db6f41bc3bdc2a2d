import * as path from 'node:path';
import { BUNDLED_TOLERANCE, compareOutputs, EngineName, RunValue, StepRecord, summarizeValue } from '../../exec';
import { toNumbers } from '../../exec/tensor';
import { formatNumber } from '../elementReaders';
import { ExpectedView, RunReportView, StepView } from '../../protocol/runViewMessages';
import { BuiltInputs } from '../../exec/inputs/buildInputs';
import { RunOutcome } from '../../exec/methodRunner';
import { numberStats } from '../tensorStats';
import { valueView } from './valueView';

const ENGINE_LABEL: Record<EngineName, string> = {
  executorch: 'ExecuTorch runtime (native, child process)',
  onnx: 'onnxruntime-node (CPU)',
  reference: 'reference interpreter (TypeScript)',
};

/** Step mode records every write; the view lists at most this many instructions. */
export const MAX_STEPS = 5000;

/** `float32[2, 4096] min … max … mean …` (and NaN/Inf counts when there are any); other values as the CLI prints them. */
export function stepSummary(v: RunValue): string {
  if (v.kind !== 'tensor' || v.data.length === 0) return summarizeValue(v);
  const s = numberStats(toNumbers(v));
  const parts = [`${v.dtype}[${v.shape.join(', ')}]`];
  if (s.min !== null)
    parts.push(`min ${formatNumber(s.min)}`, `max ${formatNumber(s.max!)}`, `mean ${formatNumber(s.mean!)}`);
  if (s.nan) parts.push(`NaN ${s.nan}`);
  if (s.posInf + s.negInf) parts.push(`Inf ${s.posInf + s.negInf}`);
  return parts.join('  ');
}

export function stepViews(steps: readonly StepRecord[]): StepView[] {
  return steps.slice(0, MAX_STEPS).map((s) => ({
    instruction: s.instruction,
    text: s.text,
    writes: s.writes.map((w) => ({ valueIndex: w.valueIndex, summary: stepSummary(w.value) })),
  }));
}

function expectedView(outputs: RunValue[], expected: RunValue[] | null): ExpectedView | null {
  if (!expected) return null;
  const c = compareOutputs(outputs, expected, BUNDLED_TOLERANCE);
  return { passed: c.equal, maxAbsError: c.maxAbsError, reason: c.reason };
}

export interface ReportSubject {
  programPath: string;
  method: string;
  dataFiles: string[];
  engine: EngineName;
}

/** What the run view shows for one run. */
export function runReport(
  subject: ReportSubject,
  inputs: BuiltInputs,
  outcome: RunOutcome,
  ranAt = new Date(),
): RunReportView {
  return {
    programPath: subject.programPath,
    programName: path.basename(subject.programPath),
    method: subject.method,
    dataFiles: subject.dataFiles,
    engine: ENGINE_LABEL[subject.engine],
    inputsLabel: inputs.label,
    inputs: inputs.values.map(valueView),
    outputs: outcome.outputs.map(valueView),
    timing: outcome.timing,
    expected: expectedView(outcome.outputs, inputs.expected),
    steps: outcome.steps ? stepViews(outcome.steps) : null,
    ranAt: ranAt.toISOString(),
  };
}
