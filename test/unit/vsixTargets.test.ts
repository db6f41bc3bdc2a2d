import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const scripts = path.join(__dirname, '..', '..', '..', 'scripts', 'vscode');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { TARGETS, onnxRuntimeSource, copyOnnxRuntime } = require(path.join(scripts, 'targets.js')) as {
  TARGETS: Record<string, { ort: unknown; dir: string; files: string[]; executorch: boolean }>;
  onnxRuntimeSource(target: string): { ort: string; common: string };
  copyOnnxRuntime(modulesDir: string, target: string): string[];
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { checkNatives } = require(path.join(scripts, 'package.js')) as {
  checkNatives(target: string, entries: { name: string; size: number }[], expected: string[]): { name: string }[];
};

const ORT = 'dist/node_modules/onnxruntime-node/bin/napi-v6/linux/x64';
const expected = [`${ORT}/libonnxruntime.so.1`, `${ORT}/onnxruntime_binding.node`];
const entry = (name: string) => ({ name, size: 1 });

describe('platform packages', () => {
  it('packages the five desktop targets, the ExecuTorch addon only for linux-x64', () => {
    assert.deepEqual(Object.keys(TARGETS).sort(), [
      'darwin-arm64',
      'darwin-x64',
      'linux-arm64',
      'linux-x64',
      'win32-x64',
    ]);
    assert.deepEqual(
      Object.entries(TARGETS)
        .filter(([, t]) => t.executorch)
        .map(([n]) => n),
      ['linux-x64'],
    );
  });

  it("finds every target's binaries in the onnxruntime-node it takes them from (the dependency unless pinned)", () => {
    for (const [name, t] of Object.entries(TARGETS)) {
      if (t.ort !== 'dependency') continue;
      const { ort } = onnxRuntimeSource(name);
      for (const f of t.files)
        assert.ok(fs.existsSync(path.join(ort, 'bin', 'napi-v6', t.dir, f)), `${name}: ${t.dir}/${f}`);
    }
  });

  it("stages each target's binding with the library it loads by name, and refuses one that names another", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pte-vsix-stage-'));
    try {
      for (const [name, t] of Object.entries(TARGETS)) {
        if (t.ort !== 'dependency') continue;
        const staged = copyOnnxRuntime(path.join(dir, name), name);
        assert.deepEqual(
          staged.map((f) => path.posix.basename(f)),
          t.files,
          name,
        );
      }
      const spec = TARGETS['darwin-arm64'];
      const files = spec.files;
      spec.files = ['libonnxruntime.1.30.0.dylib', 'onnxruntime_binding.node'];
      try {
        assert.throws(
          () => copyOnnxRuntime(path.join(dir, 'wrong'), 'darwin-arm64'),
          /does not load libonnxruntime\.1\.30\.0\.dylib/,
        );
      } finally {
        spec.files = files;
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the package check accepts exactly the expected native files', () => {
    const natives = checkNatives('linux-x64', [entry('dist/extension.js'), ...expected.map(entry)], expected);
    assert.deepEqual(
      natives.map((n) => n.name),
      expected,
    );
  });

  it("the package check fails on another platform's binary or a stray addon", () => {
    const stray = 'dist/node_modules/onnxruntime-node/bin/napi-v6/win32/x64/onnxruntime.dll';
    assert.throws(
      () => checkNatives('linux-x64', [...expected, stray].map(entry), expected),
      /carries native files it must not: .*win32\/x64\/onnxruntime\.dll/,
    );
    assert.throws(
      () => checkNatives('darwin-arm64', [...expected, 'dist/native/executorch.node'].map(entry), expected),
      /must not: dist\/native\/executorch\.node/,
    );
    assert.throws(
      () => checkNatives('linux-x64', [...expected, `${ORT}/libonnxruntime.so.1.30.0`].map(entry), expected),
      /must not/,
    );
  });

  it('the package check fails on a missing binary', () => {
    assert.throws(
      () => checkNatives('linux-x64', [entry(expected[1])], expected),
      /lacks native files: .*libonnxruntime\.so\.1$/,
    );
  });
});
