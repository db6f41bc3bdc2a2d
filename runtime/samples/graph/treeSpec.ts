/**
 * `ContainerMetadata` strings in the JSON treespec syntax that pip-installed
 * exporters write: inputs are `((leaf, …), {})` (positional args, no kwargs),
 * outputs a single leaf or a tuple of leaves.
 */
const LEAF = '{"type": null, "context": null, "children_spec": []}';

function tuple(children: string[]): string {
  return `{"type": "builtins.tuple", "context": "null", "children_spec": [${children.join(', ')}]}`;
}

export function encodedInputSpec(inputCount: number): string {
  const args = tuple(Array.from({ length: inputCount }, () => LEAF));
  return `[1, ${tuple([args, '{"type": "builtins.dict", "context": "[]", "children_spec": []}'])}]`;
}

export function encodedOutputSpec(outputCount: number): string {
  return `[1, ${outputCount === 1 ? LEAF : tuple(Array.from({ length: outputCount }, () => LEAF))}]`;
}
