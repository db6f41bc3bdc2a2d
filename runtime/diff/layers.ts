/**
 * Layer names from state-dict keys, and the LoRA naming conventions:
 * ExecuTorch's and torchtune's `<layer>.lora_a.weight` / `<layer>.lora_b.weight`
 * beside the base `<layer>.weight`, and PEFT's `<layer>.lora_A.default.weight`
 * beside `<layer>.base_layer.weight`.
 */

const LORA_KEY = /^(.+)\.lora_([ab])(?:\.default)?\.weight$/i;
const PARAMETER_SUFFIX = /\.(weight|bias|scales?|zero_points?)$/;

export interface LoraKey {
  layer: string;
  part: 'a' | 'b';
}

export function parseLoraKey(key: string): LoraKey | null {
  const m = LORA_KEY.exec(key);
  return m ? { layer: m[1], part: m[2].toLowerCase() as 'a' | 'b' } : null;
}

/** Keys the base weight of a LoRA-adapted layer may have, most likely first. */
export function baseWeightKeys(layer: string): string[] {
  return [`${layer}.weight`, `${layer}.base_layer.weight`];
}

/**
 * The layer a key belongs to: the key without its parameter name and LoRA
 * part (`layers.3.attention.wq` for `layers.3.attention.wq.lora_a.weight`
 * and for `layers.3.attention.wq.weight`). Null for keys that are not
 * dotted state-dict names (content hashes, `a`, constants by value index).
 */
export function layerOf(key: string): string | null {
  const lora = parseLoraKey(key);
  if (lora) return lora.layer;
  if (!PARAMETER_SUFFIX.test(key)) return null;
  const layer = key.replace(PARAMETER_SUFFIX, '').replace(/\.base_layer$/, '');
  return layer.length > 0 ? layer : null;
}
