import { FileSource } from '../format/byteSource';
import { detectFileKind } from '../format/detect';
import { FormatError } from '../format/errors';
import { decodePtd } from '../format/ptd/decodePtd';
import { decodePte } from '../format/pte/decodePte';
import { diffDataFiles } from '../diff/dataFileDiff';
import { diffLinkedPrograms } from '../diff/linkedDiff';
import { describeDataFileDiff, describeLinkedDiff } from '../diff/describeDiff';
import { DataFileDiff, LinkedProgramDiff, TensorDiff } from '../diff/diffTypes';
import { CliIo, EXIT_FINDINGS, EXIT_INVALID, EXIT_OK, InputError, parseCommandArgs, UsageError } from './io';
import { toJson } from './json';
import { fileErrorReport } from './fileErrors';

export const DIFF_USAGE = `usage: pte-explorer diff A B [--data-a X.ptd]… [--data-b Y.ptd]… [--verify-shared] [--hash] [--json]

Compares two .pte programs (each linked with its --data-a / --data-b files,
one flag per file) or two .ptd data files: methods, instructions aligned call
by call, delegates, and every constant, named-data and external tensor by key
(max |Δ|, mean |Δ|, relative L2, cosine). Data files both sides share are not
re-read unless --verify-shared is given; --hash adds each tensor's SHA-256.
Exit code 0 when identical, 1 when different, 2 on invalid input.`;

interface DiffArgs {
  a: string;
  b: string;
  dataA: string[];
  dataB: string[];
  json: boolean;
  verifyShared: boolean;
  hash: boolean;
}

function parse(argv: string[]): DiffArgs {
  const parsed = parseCommandArgs(argv, {
    json: { type: 'boolean' },
    'verify-shared': { type: 'boolean' },
    hash: { type: 'boolean' },
    'data-a': { type: 'string', multiple: true },
    'data-b': { type: 'string', multiple: true },
  });
  const files = parsed.positionals;
  if (files.length !== 2) {
    throw new UsageError(
      files.length > 2
        ? `diff takes two files, got ${files.length}; give each data file with its own --data-a or --data-b`
        : 'diff takes two files',
    );
  }
  return {
    a: files[0],
    b: files[1],
    dataA: parsed.values['data-a'] ?? [],
    dataB: parsed.values['data-b'] ?? [],
    json: !!parsed.values.json,
    verifyShared: !!parsed.values['verify-shared'],
    hash: !!parsed.values.hash,
  };
}

/** `pte-explorer diff`: exit 0 identical, 1 different, 2 invalid input. */
export async function diffCommand(argv: string[], io: CliIo): Promise<number> {
  const json = argv.includes('--json');
  const opened: FileSource[] = [];
  const open = async (p: string) => {
    const s = await FileSource.open(p);
    opened.push(s);
    return s;
  };
  try {
    const args = parse(argv);
    const [sa, sb] = [await open(args.a), await open(args.b)];
    const [ka, kb] = [await detectFileKind(sa), await detectFileKind(sb)];
    if (ka === 'ptd' && kb === 'ptd') {
      if (args.dataA.length || args.dataB.length)
        throw new UsageError('--data-a and --data-b go with two programs, not two data files');
      const result = await diffDataFiles(await decodePtd(sa), await decodePtd(sb), {
        verifyShared: args.verifyShared,
        hash: args.hash,
      });
      io.out(args.json ? toJson(dataFileJson(result)) : describeDataFileDiff(result));
      return result.identical ? EXIT_OK : EXIT_FINDINGS;
    }
    if (ka !== 'pte' || kb !== 'pte') {
      throw new InputError(
        `diff compares two .pte programs or two .ptd data files; ${args.a} is ${kindName(ka)} and ${args.b} is ${kindName(kb)}`,
      );
    }
    const decodeAll = async (paths: string[]) => {
      const out = [];
      for (const p of paths) out.push(await decodePtd(await open(p)));
      return out;
    };
    const result = await diffLinkedPrograms(
      { program: await decodePte(sa), dataFiles: await decodeAll(args.dataA) },
      { program: await decodePte(sb), dataFiles: await decodeAll(args.dataB) },
      { verifyShared: args.verifyShared, hash: args.hash },
    );
    io.out(args.json ? toJson(linkedJson(result)) : describeLinkedDiff(result));
    return result.identical ? EXIT_OK : EXIT_FINDINGS;
  } catch (e) {
    return reportInvalid(e, json, io);
  } finally {
    for (const s of opened) await s.close();
  }
}

function kindName(kind: string): string {
  return kind === 'unknown' ? 'not an ExecuTorch file' : `a .${kind} file`;
}

function reportInvalid(e: unknown, json: boolean, io: CliIo): number {
  if (e instanceof UsageError) {
    io.err(`pte-explorer diff: ${e.message}\n\n${DIFF_USAGE}`);
    return EXIT_INVALID;
  }
  const error =
    e instanceof FormatError
      ? e.toJSON()
      : e instanceof InputError
        ? { message: `pte-explorer diff: ${e.message}` }
        : fileErrorReport(e);
  if (!error) throw e;
  if (json) io.out(toJson({ error }));
  io.err(error.message);
  return EXIT_INVALID;
}

// ---------------------------------------------------------------- JSON

function tensorJson(t: TensorDiff): Record<string, unknown> {
  const m = t.metrics;
  return {
    key: t.key,
    ...(t.keys ? { keys: t.keys } : {}),
    status: t.status,
    layer: t.layer,
    changes: t.changes,
    bytesIdentical: t.bytesIdentical,
    shared: t.shared,
    ...(t.sha256 ? { sha256: t.sha256 } : {}),
    ...(m
      ? {
          maxAbsDiff: m.maxAbsDiff,
          meanAbsDiff: m.meanAbsDiff,
          relL2: m.relL2,
          cosine: m.cosine,
          changedElements: m.changedElements,
          elements: m.elements,
          nonFinite: m.nonFinite,
        }
      : {}),
    a: t.a,
    b: t.b,
  };
}

function dataFileJson(r: DataFileDiff): Record<string, unknown> {
  return {
    identical: r.identical,
    kind: r.kind,
    a: { file: r.a },
    b: { file: r.b },
    shared: r.shared,
    counts: r.counts,
    methods: [],
    tensors: r.tensors.map(tensorJson),
  };
}

function linkedJson(r: LinkedProgramDiff): Record<string, unknown> {
  return {
    identical: r.identical,
    kind: 'program',
    a: r.a,
    b: r.b,
    counts: r.counts,
    methods: r.program.methods,
    namedData: r.program.namedData,
    externalKeys: r.program.externalKeys,
    properties: r.program.properties,
    tensors: r.tensors.map(tensorJson),
    files: r.files,
    lora: r.lora,
    changedLayers: r.changedLayers,
    linkProblems: r.linkProblems,
  };
}
