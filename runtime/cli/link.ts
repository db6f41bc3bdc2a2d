import * as path from 'node:path';
import { withFile } from '../format/byteSource';
import { decodeDelegatePayloads, delegateReferences } from '../format/delegatePayloads';
import { decodePtd } from '../format/ptd/decodePtd';
import { DataFile } from '../format/ptd/ptdTypes';
import { decodePte } from '../format/pte/decodePte';
import { chooseDataFiles } from '../link/chooseDataFiles';
import { discoverDataFiles } from '../link/discoverDataFiles';
import { findCandidateDataFiles } from '../link/findCandidateDataFiles';
import { linkProgram } from '../link/linkProgram';
import { LinkResult } from '../link/linkTypes';
import { CliIo, EXIT_FINDINGS, EXIT_INVALID, EXIT_OK } from './io';
import { toJson } from './json';

export interface LinkOptions {
  json: boolean;
  discover: boolean;
}

/** Decodes every data file up front; only headers and flatbuffers are read, so they can stay closed. */
async function decodeDataFiles(paths: readonly string[]): Promise<DataFile[]> {
  const out: DataFile[] = [];
  for (const p of paths) out.push(await withFile(p, decodePtd));
  return out;
}

export async function linkCommand(
  programPath: string,
  dataPaths: string[],
  options: LinkOptions,
  io: CliIo,
): Promise<number> {
  return withFile(programPath, async (source) => {
    const program = await decodePte(source);
    const payloads = await decodeDelegatePayloads(program);
    const payloadError = payloads.find((p) => p.status === 'error');
    if (payloadError?.status === 'error') throw payloadError.error;
    const references = delegateReferences(program, payloads);
    const given = new Set(dataPaths.map((p) => path.resolve(p)));
    const dataFiles = await decodeDataFiles(dataPaths);
    const discovered: string[] = [];
    if (options.discover) {
      const candidates = (await findCandidateDataFiles(path.dirname(path.resolve(programPath)))).filter(
        (p) => !given.has(path.resolve(p)),
      );
      const decoded: DataFile[] = [];
      for (const candidate of candidates) {
        try {
          decoded.push(...(await decodeDataFiles([candidate])));
        } catch (e) {
          io.err(`skipped ${candidate}: ${(e as Error).message}`);
        }
      }
      for (const c of chooseDataFiles(programPath, discoverDataFiles(program, decoded, references))) {
        dataFiles.push(c.dataFile);
        discovered.push(c.file);
      }
    }
    const result = linkProgram(program, dataFiles, { references });
    io.out(options.json ? toJson(linkJson(result, discovered)) : linkText(programPath, dataFiles, result, discovered));
    if (payloads.some((p) => p.status === 'error')) return EXIT_INVALID;
    return result.ok ? EXIT_OK : EXIT_FINDINGS;
  });
}

function linkJson(result: LinkResult, discovered: string[]): Record<string, unknown> {
  return {
    ok: result.ok,
    discovered,
    resolved: result.resolved.map((r) => ({ key: r.key, file: r.file, method: r.method, value: r.valueIndex })),
    missing: result.missing.map((m) => ({
      key: m.key,
      method: m.method,
      value: m.valueIndex,
      dtype: m.dtype,
      shape: m.shape,
    })),
    mismatched: result.mismatched.map((m) => ({
      key: m.key,
      file: m.file,
      method: m.method,
      value: m.valueIndex,
      problem: m.problem,
      expected: m.expected,
      actual: m.actual,
      message: m.message,
    })),
    duplicates: result.duplicates,
    references: result.references.map((r) => ({
      key: r.reference.key,
      origin: r.reference.origin,
      status: r.status,
      file: r.provider?.file ?? null,
    })),
    problems: result.problems.map((p) => ({
      kind: p.kind,
      severity: p.severity,
      key: p.key,
      message: p.message,
      method: p.locator.method,
      value: p.locator.valueIndex,
    })),
  };
}

function linkText(programPath: string, dataFiles: DataFile[], result: LinkResult, discovered: string[]): string {
  const lines = [
    `${programPath}: linked with ${dataFiles.length} data file(s)${discovered.length ? ` (discovered: ${discovered.join(', ')})` : ''}`,
  ];
  const resolvedRefs = result.references.filter((r) => r.status === 'resolved').length;
  lines.push(
    `  ${result.resolved.length} external tensor(s) resolved, ${result.missing.length} missing, ${result.mismatched.length} mismatched`,
  );
  if (result.references.length) lines.push(`  ${resolvedRefs} of ${result.references.length} delegate key(s) resolved`);
  for (const r of result.resolved) lines.push(`  ok      ${r.key} <- ${r.file}`);
  for (const p of result.problems) lines.push(`  ${p.severity === 'error' ? 'error  ' : 'warning'} ${p.message}`);
  return lines.join('\n');
}
