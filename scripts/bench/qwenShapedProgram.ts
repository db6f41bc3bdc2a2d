import { createHash } from 'node:crypto';
import { writePte } from '../../runtime/format/writer/writePte';
import { PRESETS, PresetName } from '../../runtime/samples/transformer/config';
import { Backend, buildTransformerProgram } from '../../runtime/samples/transformer/program';

/**
 * The base program of `sample lora --preset qwen3-0.6b` built in memory,
 * without writing its 2.2 GiB foundation: every weight is external (portable)
 * or a named key (XNNPACK), so the program itself is small.
 */
export function buildQwenShapedProgram(backend: Backend = 'portable', preset: PresetName = 'qwen3-0.6b'): Uint8Array {
  return writePte(
    buildTransformerProgram({
      config: PRESETS[preset],
      backend,
      adapter: null,
      namedKey: (w) => createHash('sha256').update(w.key).digest('hex'),
      bytes: () => {
        throw new Error('the base program keeps no weight bytes');
      },
    }),
  );
}
