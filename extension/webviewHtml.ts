import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';

/** Folders a webview may load from: the bundled scripts and styles, and the extension's media. */
export function webviewRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')];
}

/** Files of the extension, read once: a page's script and styles, and the codicon stylesheet as a data: URL. */
const files = new Map<string, Promise<string>>();

function once(key: string, read: () => Promise<string>): Promise<string> {
  let text = files.get(key);
  if (!text) {
    text = read();
    text.catch(() => files.delete(key));
    files.set(key, text);
  }
  return text;
}

/** A file to inline; it must not contain the tag that would end its element early. */
function inlined(uri: vscode.Uri, closingTag: string): Promise<string> {
  return once(uri.toString(), async () => {
    const text = await fs.readFile(uri.fsPath, 'utf8');
    if (text.toLowerCase().includes(closingTag))
      throw new Error(`${uri.fsPath} contains '${closingTag}' and cannot be inlined`);
    return text;
  });
}

/** codicon.css with its font inside, as a data: URL. */
function codiconHref(extensionUri: vscode.Uri): Promise<string> {
  const at = (name: string) => vscode.Uri.joinPath(extensionUri, 'dist', 'codicons', name).fsPath;
  return once(`${extensionUri.toString()}#codicons`, async () => {
    const [css, font] = await Promise.all([fs.readFile(at('codicon.css'), 'utf8'), fs.readFile(at('codicon.ttf'))]);
    const withFont = css.replace(
      /url\("\.\/codicon\.ttf[^"]*"\)/,
      `url("data:font/ttf;base64,${font.toString('base64')}")`,
    );
    if (withFont === css) throw new Error('codicon.css no longer names ./codicon.ttf');
    return `data:text/css;base64,${Buffer.from(withFont).toString('base64')}`;
  });
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** What a self-contained page is made of: paths are relative to the extension folder, `body` is HTML. */
export interface PageParts {
  title: string;
  script: string;
  styles: string[];
  body: string;
}

/**
 * A webview page that fetches nothing: nothing remote, scripts and styles
 * only with this page's nonce, its script, styles and the codicon font
 * inside it.
 *
 * In the web workbench every resource a webview loads is a fetch event of
 * the one service worker all webviews share, answered by a round trip to
 * the extension host. When a webview closes while such a fetch is in
 * flight, the worker waits 30 s for an answer that never comes, and
 * Chromium does not let the next webview's worker take over while the old
 * one has a fetch in flight: every webview opened meanwhile stays blank.
 * The codicon stylesheet is a nonce'd data: link because `@vscode-elements`
 * icons copy the `vscode-codicon-stylesheet` link into their shadow roots.
 */
export async function selfContainedHtml(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  page: PageParts,
): Promise<string> {
  const at = (relative: string) => vscode.Uri.joinPath(extensionUri, ...relative.split('/'));
  const [script, styles, codicons] = await Promise.all([
    inlined(at(page.script), '</script'),
    Promise.all(page.styles.map((s) => inlined(at(s), '</style'))),
    codiconHref(extensionUri),
  ]);
  const nonce = randomBytes(16).toString('base64');
  const csp = [
    `default-src 'none'`,
    `img-src ${webview.cspSource} data:`,
    `font-src data:`,
    `style-src ${webview.cspSource} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    // The graph tab lays out in a worker started from its bundled code.
    `worker-src blob:`,
  ].join('; ');
  // A relative source map URL would resolve against the webview's own page.
  const map = webview.asWebviewUri(at(`${page.script}.map`)).toString();
  const code = script.replace(/\/\/# sourceMappingURL=\S+\s*$/, () => `//# sourceMappingURL=${map}\n`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(page.title)}</title>
<link id="vscode-codicon-stylesheet" rel="stylesheet" nonce="${nonce}" href="${codicons}">
${styles.map((css) => `<style nonce="${nonce}">${css}</style>`).join('\n')}
</head>
<body>
${page.body}
<script nonce="${nonce}">${code}</script>
</body>
</html>`;
}

/** The page of the ExecuTorch file editors. */
export function editorHtml(webview: vscode.Webview, extensionUri: vscode.Uri, title: string): Promise<string> {
  return selfContainedHtml(webview, extensionUri, {
    title,
    script: 'dist/webview/editor.js',
    styles: ['media/editor.css'],
    body: `<main id="app" aria-busy="true"><p class="loading">Loading ${escapeHtml(title)}…</p></main>`,
  });
}
