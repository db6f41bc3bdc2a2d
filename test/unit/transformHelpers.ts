import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { withFile } from '../../runtime/format/byteSource';
import { decodePtd, readEntryBytes } from '../../runtime/format/ptd/decodePtd';
import { decodePte } from '../../runtime/format/pte/decodePte';
import { compareOutputs } from '../../runtime/exec/compare';
import { EngineName } from '../../runtime/exec/engine';
import { openProgram } from '../../runtime/exec/program/openProgram';
import { SharedData } from '../../runtime/exec/program/sharedData';
import { randomInputs } from '../../runtime/exec/randomInputs';
import { availableEngines, checkMethod, loadMethod } from '../../runtime/exec/runner';
import { RunValue } from '../../runtime/exec/values';

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * What a program means, without where its bytes happen to lie: every method
 * with every schema field of its values, instructions, operators and
 * delegates (compile specs, payload bytes), the bytes of every constant and
 * initial value a tensor uses, the named data by key, and the header length
 * and constant storage. Two programs that differ only in layout compare equal.
 */
export async function programMeaning(file: string): Promise<unknown> {
  return withFile(file, async (source) => {
    const p = await decodePte(source);
    const methods = [];
    for (const m of p.methods) {
      const values = [];
      for (const v of m.values) {
        if (v.kind !== 'tensor') {
          values.push(v.kind === 'intList' ? { kind: v.kind, items: v.items } : v);
          continue;
        }
        const { data, kind, dtype, nbytes, ...fields } = v.tensor;
        const bytes = data ? sha(await source.read(data.offset, Math.min(data.length, nbytes ?? data.length))) : null;
        values.push({ ...fields, kind, dtype, nbytes, bytes });
      }
      const delegates = [];
      for (const d of m.delegates) {
        delegates.push({
          backend: d.backend,
          location: d.location,
          compileSpecs: d.compileSpecs.map((s) => ({ key: s.key, value: Buffer.from(s.value).toString('hex') })),
          payload: d.data ? sha(await source.read(d.data.offset, d.data.length)) : null,
        });
      }
      methods.push({ ...m, values, delegates });
    }
    const named: Record<string, string> = {};
    for (const n of p.namedData) named[n.key] = n.data ? sha(await source.read(n.data.offset, n.data.length)) : 'none';
    return {
      methods,
      named,
      headerLength: p.header?.length ?? null,
      constantStorage: p.constantStorage,
      version: p.version,
    };
  });
}

/** Every entry of a data file: key → layout and bytes' digest. */
export async function dataFileMeaning(file: string): Promise<Record<string, unknown>> {
  return withFile(file, async (source) => {
    const f = await decodePtd(source);
    const out: Record<string, unknown> = {};
    for (const e of f.entries) {
      out[e.key] = {
        layout: e.layout && { scalarType: e.layout.scalarType, sizes: e.layout.sizes, dimOrder: e.layout.dimOrder },
        bytes: sha(await readEntryBytes(f, e)),
      };
    }
    return out;
  });
}

/** The engines outputs are checked on: ExecuTorch's own runtime when it is built in, and onnxruntime. */
export function checkEngines(): EngineName[] {
  return availableEngines().filter((e) => e !== 'reference');
}

/**
 * Outputs of every method the engine can run, for random inputs from a fixed
 * seed; null for a method it cannot run (nothing to compare there).
 */
export async function methodOutputs(
  file: string,
  dataFiles: string[],
  engine: EngineName,
): Promise<Record<string, RunValue[] | null>> {
  const shared = new SharedData();
  try {
    const p = await openProgram(file, { dataFiles, shared });
    const out: Record<string, RunValue[] | null> = {};
    for (const [i, m] of p.program.methods.entries()) {
      if (checkMethod(p, i, engine).length > 0) {
        out[m.name] = null;
        continue;
      }
      const method = await loadMethod(p, i, { engine });
      try {
        out[m.name] = (await method.run(randomInputs(method.signature, 7))).outputs;
      } finally {
        await method.dispose();
      }
    }
    return out;
  } finally {
    await shared.close();
  }
}

/** Whether any of `dataFiles` has the 2025 legacy FlatTensor layout, which ExecuTorch's runtime refuses. */
async function hasLegacyDataFile(dataFiles: string[]): Promise<boolean> {
  for (const f of dataFiles) if ((await withFile(f, decodePtd)).layout === 'legacy') return true;
  return false;
}

/**
 * Asserts two programs give identical outputs on every method either can run;
 * returns how many methods ran. On `executorch`, a side with a legacy-layout
 * `.ptd` (refused by the runtime) runs on `onnx` instead, and the two sides
 * are then compared within float32 rounding rather than bit for bit.
 */
export async function assertSameOutputs(
  a: { file: string; data: string[] },
  b: { file: string; data: string[] },
  engine: EngineName,
): Promise<number> {
  const engineA = engine === 'executorch' && (await hasLegacyDataFile(a.data)) ? 'onnx' : engine;
  const [x, y] = [await methodOutputs(a.file, a.data, engineA), await methodOutputs(b.file, b.data, engine)];
  const tolerance = engineA === engine ? { atol: 0, rtol: 0 } : { atol: 1e-6, rtol: 1e-5 };
  assert.deepEqual(Object.keys(y), Object.keys(x));
  let ran = 0;
  for (const [name, outputs] of Object.entries(x)) {
    assert.equal(
      y[name] === null,
      outputs === null,
      `${b.file} ${name}: runnable on ${engine} like ${a.file} on ${engineA}`,
    );
    if (!outputs) continue;
    const c = compareOutputs(y[name]!, outputs, tolerance);
    assert.ok(c.equal, `${b.file} ${name} on ${engine}: ${c.reason}`);
    ran++;
  }
  return ran;
}
