import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { run as runCli } from '../../runtime/cli/main';
import { writePtdFile } from '../../runtime/format/writer/writePtd';
import { writePte } from '../../runtime/format/writer/writePte';
import { methodSignature } from '../../runtime/exec/method/signature';
import { openProgram } from '../../runtime/exec/program/openProgram';
import { SharedData } from '../../runtime/exec/program/sharedData';
import { randomInputs } from '../../runtime/exec/randomInputs';
import { DType, fromNumbers, isDType } from '../../runtime/exec/tensor';
import { RunValue } from '../../runtime/exec/values';
import { GoldenEntry } from '../../runtime/samples/expected';
import { generateRandomProgram } from '../../runtime/samples/randomProgram/randomProgram';

/** One program-method to run on every engine, with the inputs of each call. */
export interface VerifyCase {
  kind: 'fixture' | 'sample' | 'random';
  /** Printed name: the fixture or sample file and method, or `random <seed>`. */
  name: string;
  file: string;
  dataFiles: string[];
  method: string;
  /** Inputs per call (several calls for programs with mutable buffers). `null`: random inputs from the method's signature. */
  calls: RunValue[][] | null;
  /** What a random program exercises (dtype, view-alias, xnnpack, …). */
  features: string[];
  /** The kernels a random program calls, printed when engines disagree on it. */
  operators?: string[];
}

interface FixtureGolden {
  file: string;
  method: string | null;
  data_files?: string[];
}

/**
 * Every method of every real fixture (`.pte`, `.bpte`) in `dir`, with the
 * `.ptd` files golden.json names for it. Fixtures whose file no decoder
 * accepts still become a case: the engines' refusals are reported.
 */
export async function fixtureCases(dir: string): Promise<VerifyCase[]> {
  const golden: FixtureGolden[] = JSON.parse(await fs.readFile(path.join(dir, 'golden.json'), 'utf8'));
  const files = (await fs.readdir(dir)).filter((f) => /\.(pte|bpte)$/.test(f)).sort();
  const cases: VerifyCase[] = [];
  for (const file of files) {
    const dataFiles =
      golden.find((g) => g.file === file && g.data_files)?.data_files?.map((d) => path.join(dir, d)) ?? [];
    let methods: string[];
    const shared = new SharedData();
    try {
      const p = await openProgram(path.join(dir, file), { dataFiles, shared });
      methods = p.program.methods.map((m) => m.name);
    } catch {
      methods = ['forward'];
    } finally {
      await shared.close();
    }
    for (const method of methods)
      cases.push({
        kind: 'fixture',
        name: `${file} ${method}`,
        file: path.join(dir, file),
        dataFiles,
        method,
        calls: null,
        features: [],
      });
  }
  return cases;
}

/**
 * The generated samples, written into `dir` by the CLI as a user would:
 * `sample linear`, `sample lora` and `sample lora --backend xnnpack`; every
 * program of their `expected.json` with its inputs there.
 */
export async function sampleCases(dir: string, seed = 0): Promise<VerifyCase[]> {
  const sets: [string, string[]][] = [
    ['linear', ['sample', 'linear']],
    ['lora', ['sample', 'lora']],
    ['lora-xnnpack', ['sample', 'lora', '--backend', 'xnnpack']],
    // Qwen3's layout (tied embeddings, so the portable output projection reads the table's stored transpose), small.
    [
      'lora-qwen-tied',
      ['sample', 'lora', '--preset', 'qwen3-0.6b', '--layers', '1', '--hidden', '64', '--vocab', '512'],
    ],
  ];
  const cases: VerifyCase[] = [];
  for (const [name, argv] of sets) {
    const out = path.join(dir, name);
    let log = '';
    const io = {
      out: (t: string) => {
        log += `${t}\n`;
      },
      err: (t: string) => {
        log += `${t}\n`;
      },
    };
    const code = await runCli([...argv, '--out', out, '--seed', String(seed)], io);
    if (code !== 0) throw new Error(`pte-explorer ${argv.join(' ')} failed: ${log}`);
    const expected: GoldenEntry[] = JSON.parse(await fs.readFile(path.join(out, 'expected.json'), 'utf8'));
    for (const e of expected) {
      const inputs = e.inputs.map((t) => fromNumbers(asDType(t.dtype), t.shape, t.values));
      cases.push({
        kind: 'sample',
        name: `${name}/${e.file} ${e.method}`,
        file: path.join(out, e.file),
        dataFiles: e.data_files.map((d) => path.join(out, d)),
        method: e.method,
        calls: [inputs],
        features: [],
      });
    }
  }
  return cases;
}

function asDType(name: string): DType {
  if (!isDType(name)) throw new Error(`unknown dtype ${name}`);
  return name;
}

/** Random program `seed`, written as `random-<seed>.pte` (and `.ptd`) into `dir`. */
export async function randomCase(
  dir: string,
  seed: number,
  portable: ReadonlySet<string>,
  exposeAll = false,
): Promise<VerifyCase> {
  const program = generateRandomProgram(seed, portable, { exposeAll });
  const file = path.join(dir, `random-${seed}.pte`);
  await fs.writeFile(file, writePte(program.pte));
  const dataFiles: string[] = [];
  if (program.ptd) {
    const ptd = path.join(dir, `random-${seed}.ptd`);
    await writePtdFile(ptd, program.ptd);
    dataFiles.push(ptd);
  }
  return {
    kind: 'random',
    name: `random ${seed}`,
    file,
    dataFiles,
    method: 'forward',
    calls: program.calls,
    features: program.features,
    operators: program.operators,
  };
}

/** The inputs of a case: its own, else random ones from the method's signature (seeded). */
export async function caseInputs(c: VerifyCase, seed: number): Promise<RunValue[][]> {
  if (c.calls) return c.calls;
  const shared = new SharedData();
  try {
    const p = await openProgram(c.file, { dataFiles: c.dataFiles, shared });
    const index = p.program.methods.findIndex((m) => m.name === c.method);
    if (index < 0) return [[]];
    return [randomInputs(methodSignature(p.program.methods[index]), seed)];
  } finally {
    await shared.close();
  }
}
