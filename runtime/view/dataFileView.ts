import { DataFile } from '../format/ptd/ptdTypes';
import { formatBytes } from '../text/formatBytes';
import { DataFileView, FactView } from './viewTypes';

/** The tensor table of a `.ptd` and the facts of its header; entry bytes are not read. */
export function dataFileView(file: DataFile): DataFileView {
  const h = file.header;
  const facts: FactView[] = [
    { label: 'Identifier', value: 'FT01' },
    { label: 'File size', value: formatBytes(file.fileSize) },
    {
      label: 'Layout',
      value:
        file.layout === 'current'
          ? 'current (since 2025-06)'
          : 'legacy (2025-01 … 2025-06; runtimes from 0.7 on cannot read it)',
    },
    { label: 'Header', value: `FH01 at byte ${h.position}, ${h.length} bytes` },
    { label: 'Flatbuffer', value: `${formatBytes(file.flatbufferRegion.length)} at ${file.flatbufferRegion.offset}` },
    { label: 'Segment data', value: `${formatBytes(h.segmentDataSize)} at ${h.segmentBaseOffset}` },
    { label: 'Segments', value: String(file.segments.length) },
    { label: 'Keys', value: String(file.entries.length) },
  ];
  if (file.tensorAlignment !== null) facts.push({ label: 'Tensor alignment', value: String(file.tensorAlignment) });
  return {
    fileSize: file.fileSize,
    layout: file.layout,
    facts,
    entries: file.entries.map((e) => ({
      key: e.key,
      dtype: e.layout?.dtype ?? null,
      shape: e.layout ? [...e.layout.sizes] : null,
      bytes: e.range.length,
      fileOffset: e.range.offset,
      segmentIndex: e.segmentIndex,
    })),
  };
}
