import { facts, h, icon } from './dom';
import { Editor, EditorContext } from './editor';
import { DocumentView } from '../runtime/protocol/editorMessages';
import { button } from './widgets';

/** Sixteen bytes a line, the byte at the error's offset marked. */
function hexDump(bytes: { start: number; hex: string[] }, offset: number | null): HTMLElement {
  const pre = h('div', { className: 'hexdump mono', role: 'table', 'aria-label': 'Bytes around the error' });
  const first = bytes.start - (bytes.start % 16);
  for (let line = first; line < bytes.start + bytes.hex.length; line += 16) {
    const row = h(
      'div',
      { className: 'hex-line', role: 'row' },
      h('span', { className: 'hex-offset', role: 'rowheader' }, line.toString(16).padStart(8, '0')),
    );
    let text = '';
    for (let at = line; at < line + 16; at++) {
      const i = at - bytes.start;
      const byte = i >= 0 && i < bytes.hex.length ? bytes.hex[i] : '  ';
      row.append(
        h(
          'span',
          {
            className: `hex-byte${at === offset ? ' at-error' : ''}`,
            role: 'cell',
            title: at === offset ? `byte offset ${at}: the error is here` : `byte offset ${at}`,
          },
          byte,
        ),
      );
      const code = parseInt(byte, 16);
      text += Number.isNaN(code) ? ' ' : code >= 0x20 && code < 0x7f ? String.fromCharCode(code) : '.';
    }
    row.append(h('span', { className: 'hex-text', role: 'cell' }, text));
    pre.append(row);
  }
  return pre;
}

/** What the editor shows for a file that does not decode: the decoder's reason, where, and the bytes there. */
export function errorEditor(doc: Extract<DocumentView, { kind: 'error' }>, ctx: EditorContext): Editor {
  const e = doc.error;
  return {
    element: h(
      'div',
      { className: 'editor error-editor', role: 'alert' },
      h('header', { className: 'editor-header' }, h('h1', null, icon('error'), ' ', doc.name, ' does not decode')),
      h('p', { className: 'error-text' }, e.reason),
      facts([
        { label: 'Field path', value: e.path || '(file level)' },
        {
          label: 'Byte offset',
          value: e.offset === null ? 'not at one place' : `${e.offset} (0x${e.offset.toString(16)})`,
        },
        { label: 'Message', value: e.message },
      ]),
      e.bytes ? hexDump(e.bytes, e.offset) : null,
      h(
        'div',
        { className: 'toolbar' },
        button(
          'Reopen With…',
          'go-to-file',
          () => ctx.channel.send({ type: 'command', command: 'reopenWith', key: null, index: null }),
          true,
        ),
      ),
    ),
    reveal: () => undefined,
  };
}
