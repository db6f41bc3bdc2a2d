import * as vscode from 'vscode';
import { escapeHtml, selfContainedHtml } from '../webviewHtml';

/**
 * The compare page, self-contained like the editors' (see selfContainedHtml
 * for why a page must fetch nothing). It takes the editors' base styles
 * (tables, toolbar) and its own.
 */
export function compareHtml(webview: vscode.Webview, extensionUri: vscode.Uri, title: string): Promise<string> {
  return selfContainedHtml(webview, extensionUri, {
    title,
    script: 'dist/webview/diff.js',
    styles: ['media/editor.css', 'media/diff.css'],
    body: `<main id="app" aria-busy="true"><p class="loading">Loading ${escapeHtml(title)}…</p></main>`,
  });
}
