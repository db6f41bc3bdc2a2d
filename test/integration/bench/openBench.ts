import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { EditorSession } from '../../../extension/editorSession';
import { api, waitFor } from '../helpers';
import { MarkRecorder } from '../markRecorder';

/**
 * The extension-host half of `npm run bench:open` (scripts/bench-open.ts),
 * loaded as the workbench's `extensionTestsPath` in a fresh window. It
 * opens the files its plan names, times each open from the command to the
 * webview's first paint with data (split into its steps by the marks both
 * sides report to the probe this window installs), measures this extension host's RSS around opening the
 * large file and previewing its largest tensor, and logs one line
 * `BENCH {json}` that the script parses. Not part of the integration run.
 */

export interface OpenBenchPlan {
  large: string;
  tiny: string;
  text: string;
  /** Which file this window opens first (its first webview). */
  cold: 'large' | 'tiny';
  warm: number;
}

export interface OpenSample {
  file: 'large' | 'tiny';
  phase: 'cold' | 'warm';
  /** The open command to the host receiving the webview's painted event. */
  totalMs: number;
  /** Parts of totalMs: decoding the file (inside `resolve`). */
  decodeMs: number;
  /** The open command until our editor is resolved (document opened and decoded, panel created). */
  resolveMs: number;
  /** The editor resolved until the webview document starts (the workbench creates the frame and waits for its service worker). */
  frameMs: number;
  /** The webview document starts until our script runs (the page and its resources load). */
  pageMs: number;
  /** The `ready` request sent until the init reply arrives (host time included). */
  initMs: number;
  /** The host's share of initMs: building the document view. */
  hostMs: number;
  /** The init reply until the second animation frame after rendering. */
  renderMs: number;
  /** How often the webview stayed blank and the file was opened again. */
  reopened: number;
}

export interface TextSample {
  phase: 'cold' | 'warm';
  ms: number;
}

/** A minimal webview (one paragraph and an inline script, nothing to fetch): the floor of any webview in this workbench. */
export interface FloorSample {
  phase: 'cold' | 'warm';
  totalMs: number;
  frameMs: number;
  pageMs: number;
}

export interface MemorySample {
  phase: 'cold' | 'warm';
  before: number;
  afterOpen: number;
  afterPreview: number;
  previewMs: number;
  previewKey: string;
}

export interface OpenBenchResult {
  opens: OpenSample[];
  text: TextSample[];
  floor: FloorSample[];
  memory: MemorySample[];
}

const epochNow = () => performance.timeOrigin + performance.now();
const probe = MarkRecorder.install();
const BLANK_AFTER_MS = 20_000;

async function closeAll(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  await new Promise((r) => setTimeout(r, 500));
}

function sample(
  file: OpenSample['file'],
  phase: OpenSample['phase'],
  started: number,
  session: EditorSession,
  reopened: number,
): OpenSample {
  const at = (step: string) => probe.first(session, step)!;
  return {
    file,
    phase,
    reopened,
    totalMs: at('paintedReceived') - started,
    decodeMs: session.document.decodeMs,
    resolveMs: at('resolved') - started,
    frameMs: at('page.documentStart') - at('resolved'),
    pageMs: at('page.scriptStart') - at('page.documentStart'),
    initMs: at('page.initReceived') - at('page.readySent'),
    hostMs: at('answered.ready') - at('asked.ready'),
    renderMs: at('page.painted') - at('page.initReceived'),
  };
}

async function openAndTime(
  path: string,
  file: OpenSample['file'],
  phase: OpenSample['phase'],
): Promise<{ sample: OpenSample; session: EditorSession }> {
  const { registry } = await api();
  const uri = vscode.Uri.file(path);
  for (let reopened = 0; ; reopened++) {
    const started = epochNow();
    await vscode.commands.executeCommand('vscode.openWith', uri, 'pteExplorer.dataFile', { preview: false });
    try {
      const session = await waitFor(
        `${file} to paint`,
        () =>
          registry
            .sessionsFor(uri)
            .find(
              (s) =>
                (probe.first(s, 'resolved') ?? 0) >= started &&
                probe.first(s, 'paintedReceived') &&
                probe.first(s, 'page.painted'),
            ),
        BLANK_AFTER_MS,
      );
      return { sample: sample(file, phase, started, session, reopened), session };
    } catch (e) {
      if (reopened >= 2) throw e;
      console.log(`[bench] the webview of ${file} stayed blank for ${BLANK_AFTER_MS} ms; opening it again`);
      await closeAll();
    }
  }
}

async function openText(path: string, phase: TextSample['phase']): Promise<TextSample> {
  const started = epochNow();
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path));
  await vscode.window.showTextDocument(doc, { preview: false });
  return { phase, ms: epochNow() - started };
}

const FLOOR_HTML = (
  nonce: string,
) => `<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-${nonce}'"></head>
<body><p>floor</p><script nonce="${nonce}">
const api = acquireVsCodeApi();
const documentStart = performance.timeOrigin, scriptStart = performance.timeOrigin + performance.now();
requestAnimationFrame(() => requestAnimationFrame(() => api.postMessage({ documentStart, scriptStart, painted: performance.timeOrigin + performance.now() })));
</script></body></html>`;

async function openFloorWebview(phase: FloorSample['phase']): Promise<FloorSample> {
  const started = epochNow();
  const panel = vscode.window.createWebviewPanel('pteExplorer.benchFloor', 'floor', vscode.ViewColumn.Active, {
    enableScripts: true,
    localResourceRoots: [],
  });
  const painted = new Promise<{ documentStart: number; scriptStart: number }>((resolve) =>
    panel.webview.onDidReceiveMessage(resolve),
  );
  const resolved = epochNow();
  panel.webview.html = FLOOR_HTML(String(Math.random()).slice(2));
  const marks = await Promise.race([painted, new Promise<null>((r) => setTimeout(() => r(null), BLANK_AFTER_MS))]);
  const totalMs = epochNow() - started;
  panel.dispose();
  if (!marks) throw new Error('the minimal webview stayed blank');
  return { phase, totalMs, frameMs: marks.documentStart - resolved, pageMs: marks.scriptStart - marks.documentStart };
}

async function openLargeWithPreview(
  plan: OpenBenchPlan,
  phase: MemorySample['phase'],
  result: OpenBenchResult,
): Promise<void> {
  const before = process.memoryUsage().rss;
  const { sample: s, session } = await openAndTime(plan.large, 'large', phase);
  result.opens.push(s);
  const afterOpen = process.memoryUsage().rss;
  const doc = session.document;
  if (doc.decoded.kind !== 'ptd') throw new Error(`${plan.large} did not decode as a data file`);
  const largest = doc.decoded.view.entries.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  const previews = probe.count(session, 'answered.tensorPreview');
  await vscode.commands.executeCommand('pteExplorer.reveal', doc.uri.toString(), { kind: 'tensor', key: largest.key });
  const previewMs = await waitFor(
    'the preview of the largest tensor',
    () =>
      probe.count(session, 'answered.tensorPreview') > previews
        ? probe.lastAnswerMs(session, 'tensorPreview')
        : undefined,
    120_000,
  );
  result.memory.push({
    phase,
    before,
    afterOpen,
    afterPreview: process.memoryUsage().rss,
    previewMs,
    previewKey: largest.key,
  });
}

export async function run(): Promise<void> {
  const plan = JSON.parse(readFileSync(process.env.PTE_EXPLORER_BENCH_PLAN ?? '', 'utf8')) as OpenBenchPlan;
  const result: OpenBenchResult = { opens: [], text: [], floor: [], memory: [] };
  await api();
  result.text.push(await openText(plan.text, 'cold'));
  await closeAll();
  if (plan.cold === 'large') await openLargeWithPreview(plan, 'cold', result);
  else result.opens.push((await openAndTime(plan.tiny, 'tiny', 'cold')).sample);
  await closeAll();
  for (let i = 0; i < plan.warm; i++) {
    if (plan.cold === 'tiny' && i === 0) await openLargeWithPreview(plan, 'warm', result);
    else result.opens.push((await openAndTime(plan.large, 'large', 'warm')).sample);
    await closeAll();
    result.opens.push((await openAndTime(plan.tiny, 'tiny', 'warm')).sample);
    await closeAll();
    result.text.push(await openText(plan.text, 'warm'));
    await closeAll();
    result.floor.push(await openFloorWebview('warm'));
    await closeAll();
  }
  console.log(`BENCH ${JSON.stringify(result)}`);
}
