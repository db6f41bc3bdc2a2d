import { withFile } from '../format/byteSource';
import { decodeDelegatePayloads, DelegatePayload } from '../format/delegatePayloads';
import { decodeFile } from '../format/decodeFile';
import { CliIo, EXIT_INVALID, EXIT_OK } from './io';
import { toJson } from './json';
import { bundledJson, bundledText, etdumpJson, etdumpText } from './otherReports';
import { dataFileJson, dataFileText } from './ptdReport';
import { DelegateNodes, programJson, programText } from './pteReport';

export async function inspectCommand(path: string, options: { json: boolean }, io: CliIo): Promise<number> {
  return withFile(path, async (source) => {
    const decoded = await decodeFile(source);
    switch (decoded.kind) {
      case 'ptd':
        io.out(options.json ? toJson(dataFileJson(decoded)) : dataFileText(decoded));
        return EXIT_OK;
      case 'etdp':
        io.out(options.json ? toJson(etdumpJson(decoded)) : etdumpText(decoded));
        return EXIT_OK;
      case 'bpte': {
        const payloads = await decodeDelegatePayloads(decoded.program);
        io.out(
          options.json ? toJson(bundledJson(decoded, nodesOf(payloads))) : bundledText(decoded, nodesOf(payloads)),
        );
        return reportPayloadErrors(payloads, io);
      }
      case 'pte': {
        const payloads = await decodeDelegatePayloads(decoded);
        io.out(
          options.json ? toJson(programJson(decoded, nodesOf(payloads))) : programText(decoded, nodesOf(payloads)),
        );
        return reportPayloadErrors(payloads, io);
      }
    }
  });
}

export function nodesOf(payloads: readonly DelegatePayload[]): DelegateNodes {
  return (methodIndex, delegateIndex) => {
    const p = payloads.find((x) => x.methodIndex === methodIndex && x.delegateIndex === delegateIndex);
    return p?.status === 'xnnpack' ? p.graph.nodes.map((n) => n.kind) : null;
  };
}

/** A program whose delegate payload is malformed is invalid input, though the rest was shown. */
function reportPayloadErrors(payloads: readonly DelegatePayload[], io: CliIo): number {
  const errors = payloads.flatMap((p) => (p.status === 'error' ? [p.error] : []));
  if (errors.length) io.err(errors.map((e) => e.message).join('; '));
  return errors.length ? EXIT_INVALID : EXIT_OK;
}
