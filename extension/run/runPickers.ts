import * as path from 'node:path';
import * as vscode from 'vscode';
import { BundledCase, describeSignature, describeSpec, MAX_SEED, MethodSignature, parseSeed } from '../../runtime/exec';
import { InputChoice } from '../../runtime/protocol/runViewMessages';

/** The method to run: asked with a QuickPick showing each signature; not asked when there is one. */
export async function pickMethod(programName: string, signatures: MethodSignature[]): Promise<number | undefined> {
  if (signatures.length === 1) return 0;
  const picked = await vscode.window.showQuickPick(
    signatures.map((s, index) => ({ label: `$(symbol-method) ${s.name}`, description: describeSignature(s), index })),
    // Steps of one flow: a click elsewhere (an editor taking focus as it loads) does not drop it; Escape does.
    {
      title: `Run Method of ${programName}`,
      placeHolder: 'Method to run',
      matchOnDescription: true,
      ignoreFocusOut: true,
    },
  );
  return picked?.index;
}

interface ChoiceItem extends vscode.QuickPickItem {
  make: () => Promise<InputChoice | undefined>;
}

async function askSeed(): Promise<InputChoice | undefined> {
  const text = await vscode.window.showInputBox({
    title: 'Random Inputs',
    prompt: 'Seed: the same seed gives the same inputs here and in `pte-explorer run --random SEED`',
    value: '0',
    placeHolder: `A seed from 0 to ${MAX_SEED}`,
    ignoreFocusOut: true,
    validateInput: (v) => (parseSeed(v) === null ? `A whole number from 0 to ${MAX_SEED}` : null),
  });
  const seed = text === undefined ? null : parseSeed(text);
  return seed === null ? undefined : { kind: 'random', seed };
}

async function askJson(programDir: vscode.Uri): Promise<InputChoice | undefined> {
  const files = await vscode.window.showOpenDialog({
    title: 'Inputs as JSON (golden.json format)',
    defaultUri: programDir,
    canSelectMany: false,
    filters: { JSON: ['json'] },
    openLabel: 'Use Inputs',
  });
  return files?.[0] ? { kind: 'json', file: files[0].fsPath } : undefined;
}

async function askNpy(programDir: vscode.Uri, signature: MethodSignature): Promise<InputChoice | undefined> {
  const files: string[] = [];
  const tensors = signature.inputs.flatMap((s, i) => (s.kind === 'tensor' ? [{ s, i }] : []));
  for (const { s, i } of tensors) {
    const picked = await vscode.window.showOpenDialog({
      title: `Input ${i} of ${signature.name}: ${describeSpec(s)} (.npy)`,
      defaultUri: files.length ? vscode.Uri.file(path.dirname(files[files.length - 1])) : programDir,
      canSelectMany: false,
      filters: { NumPy: ['npy'] },
      openLabel: `Use for Input ${i}`,
    });
    if (!picked?.[0]) return undefined;
    files.push(picked[0].fsPath);
  }
  return { kind: 'npy', files };
}

/** How to make the inputs: zeros, ones, random with a seed, a JSON file, .npy files, or a bundled test case. */
export async function pickInputs(
  programPath: string,
  signature: MethodSignature,
  cases: readonly Pick<BundledCase, 'index'>[],
): Promise<InputChoice | undefined> {
  if (signature.inputs.length === 0) return { kind: 'zeros' };
  const programDir = vscode.Uri.file(path.dirname(programPath));
  const tensorInputs = signature.inputs.filter((s) => s.kind === 'tensor').length;
  const items: ChoiceItem[] = [
    ...cases.map((c): ChoiceItem => ({
      label: `$(beaker) Bundled test case ${c.index}`,
      description: 'compares with its expected outputs',
      make: async () => ({ kind: 'bundled', index: c.index }),
    })),
    { label: '$(symbol-number) Zeros', make: async () => ({ kind: 'zeros' }) },
    { label: '$(symbol-number) Ones', make: async () => ({ kind: 'ones' }) },
    { label: '$(symbol-event) Random…', description: 'seeded: floats in [-1, 1), integers in [0, 10)', make: askSeed },
    {
      label: '$(json) From JSON File…',
      description: "an array in golden.json's inputs format",
      make: () => askJson(programDir),
    },
    ...(tensorInputs
      ? [
          {
            label: '$(file-binary) From .npy Files…',
            description: `one per tensor input (${tensorInputs})`,
            make: () => askNpy(programDir, signature),
          },
        ]
      : []),
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: `Inputs for ${signature.name} ${describeSignature(signature)}`,
    placeHolder: 'How to make the inputs',
    ignoreFocusOut: true,
  });
  return picked?.make();
}
