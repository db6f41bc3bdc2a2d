import { SCALAR_TYPE } from '../dtypes';
import { MethodBuilder } from '../graph/methodBuilder';
import { NamedConstant } from '../graph/xnnpackFullyConnected';
import { weightByteSize } from '../weights';
import { TransformerConfig } from './config';
import { adapterWeights, ModelWeight, storedFoundationWeights } from './parameters';
import type { Backend } from './program';

/** Where a program finds its adapter's weights. */
export type AdapterStorage =
  /** In the adapter's own `.ptd` (EXTERNAL tensors, or named keys for XNNPACK). */
  | 'dataFile'
  /** Inside the program: constants (portable) or `named_data` (XNNPACK), the older variant. */
  | 'program';

export interface WeightSources {
  /** The named key of a weight an XNNPACK delegate reads (lower-case hex SHA-256 of its stored bytes). */
  namedKey(weight: ModelWeight): string;
  /** Stored bytes of a weight; asked only for weights kept inside the program. */
  bytes(weight: ModelWeight): Uint8Array;
}

/**
 * How a program refers to each weight: foundation weights always from data
 * files, adapter weights from the adapter's data file or from the program.
 * Portable kernels take a weight as a tensor value (EXTERNAL by fully
 * qualified name, or a constant); XNNPACK delegates as a named key (whose
 * bytes go into the program's `named_data` when the program keeps them).
 */
export class ProgramWeights {
  private readonly byKey = new Map<string, ModelWeight>();
  private readonly inProgram = new Set<string>();
  private readonly values = new Map<string, number>();

  constructor(
    private readonly config: TransformerConfig,
    backend: Backend,
    private readonly b: MethodBuilder,
    adapter: { name: string; storage: AdapterStorage } | null,
    private readonly sources: WeightSources,
  ) {
    for (const w of storedFoundationWeights(config, backend)) this.byKey.set(w.key, w);
    for (const w of adapter ? adapterWeights(config, adapter.name) : []) {
      this.byKey.set(w.key, w);
      if (adapter!.storage === 'program') this.inProgram.add(w.key);
    }
  }

  /** The weight as a tensor value, one per key. */
  tensor(key: string): number {
    let id = this.values.get(key);
    if (id === undefined) {
      const w = this.spec(key);
      const placement = this.inProgram.has(key)
        ? { kind: 'constant' as const, bytes: this.sources.bytes(w) }
        : { kind: 'external' as const, fullyQualifiedName: key };
      id = this.b.tensor(SCALAR_TYPE[this.config.dtype], w.sizes, placement);
      this.values.set(key, id);
    }
    return id;
  }

  /** The weight as a delegate constant. */
  named(key: string): NamedConstant {
    const w = this.spec(key);
    const namedKey = this.sources.namedKey(w);
    if (this.inProgram.has(key)) this.b.parts.addNamedData(namedKey, this.sources.bytes(w));
    return { key: namedKey, size: weightByteSize(w, this.config.dtype), dims: w.sizes };
  }

  private spec(key: string): ModelWeight {
    const w = this.byKey.get(key);
    if (!w) throw new Error(`the model has no weight '${key}'`);
    return w;
  }
}
