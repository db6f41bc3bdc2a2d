import { DataFile } from '../format/ptd/ptdTypes';

export function dataFileJson(file: DataFile): Record<string, unknown> {
  return {
    kind: 'ptd',
    file: file.source.name,
    fileSize: file.fileSize,
    layout: file.layout,
    header: file.header,
    tensors: file.entries.map((e) => ({
      key: e.key,
      dtype: e.layout?.dtype ?? null,
      shape: e.layout?.sizes ?? null,
      dimOrder: e.layout?.dimOrder ?? null,
      offset: e.range.offset,
      size: e.range.length,
      segment: e.segmentIndex,
    })),
  };
}

export function dataFileText(file: DataFile): string {
  const lines = [
    `${file.source.name}: ExecuTorch data file (FlatTensor, ${file.layout} layout), ${file.fileSize} bytes, ${file.entries.length} entries`,
  ];
  for (const e of file.entries) {
    const layout = e.layout ? `${e.layout.dtype}[${e.layout.sizes.join(', ')}]` : 'opaque blob';
    lines.push(`  ${e.key}: ${layout}, ${e.range.length} bytes at ${e.range.offset}`);
  }
  return lines.join('\n');
}
