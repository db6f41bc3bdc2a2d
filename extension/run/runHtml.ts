import * as vscode from 'vscode';
import { escapeHtml, selfContainedHtml } from '../webviewHtml';

/**
 * The run view's page, self-contained like the editors' (see
 * selfContainedHtml for why a page must fetch nothing).
 */
export function runHtml(webview: vscode.Webview, extensionUri: vscode.Uri, title: string): Promise<string> {
  return selfContainedHtml(webview, extensionUri, {
    title,
    script: 'dist/webview/run.js',
    styles: ['media/run.css'],
    body: `<main id="app" aria-busy="true"><p class="loading">Running ${escapeHtml(title)}…</p></main>`,
  });
}
