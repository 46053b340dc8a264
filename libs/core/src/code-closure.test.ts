import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { codeClosure, pyLocalImports, tsLocalSpecifiers, tsPackageImports } from './code-closure.ts';

test('TypeScript: imports, re-exports and worker URLs; packages are not local', () => {
  const source = `import { a } from './a.ts';\nexport { b } from '../b/b.ts';\nimport './side.ts';\nimport { x } from 'node:fs';\nnew URL('./worker.ts', import.meta.url);`;
  assert.deepEqual(tsLocalSpecifiers(source).sort(), ['../b/b.ts', './a.ts', './side.ts', './worker.ts']);
});

test('npm packages: imports, scoped names, resolved bundles; node built-ins and local files are not packages', () => {
  const source = `import { z } from 'zod';\nimport type { Page } from 'puppeteer/lib/types';\nimport x from '@scope/pkg/sub';\nimport { join } from 'node:path';\nimport { a } from './a.ts';\ncreateRequire(import.meta.url).resolve('plotly.js-dist-min');`;
  assert.deepEqual(tsPackageImports(source).sort(), ['@scope/pkg', 'plotly.js-dist-min', 'puppeteer', 'zod']);
});

test('Python: from-imports with names (parenthesised too) and plain imports; a relative import is refused', () => {
  const source = 'from yolo_py import lifeline, offline\nfrom yolo_py.quant import (\n    QatSettings,\n    quantize_model,\n)\n    from yolo_py.progress import x  # deferred\nimport yolo_py.files\nimport torch\n';
  assert.deepEqual(pyLocalImports(source), [
    { module: 'yolo_py', names: ['lifeline', 'offline'] },
    { module: 'yolo_py.quant', names: ['QatSettings', 'quantize_model'] },
    { module: 'yolo_py.progress', names: ['x'] },
    { module: 'yolo_py.files', names: [] },
  ]);
  assert.throws(() => pyLocalImports('from .x import y\n'), /relative import/);
});

test('the closure crosses into Python, includes package __init__ files, and names an import that resolves to nothing', () => {
  const root = mkdtempSync(join(tmpdir(), 'closure-'));
  const write = (file: string, text: string) => {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
  };
  try {
    write('libs/s/src/stage.ts', "import { a } from './a.ts';\n");
    write('libs/s/src/a.ts', 'export const a = 1;\n');
    write('libs/s/src/unused.ts', 'export const u = 1;\n');
    write('libs/yolo-py/yolo_py/__init__.py', '');
    write('libs/yolo-py/yolo_py/run.py', 'from yolo_py import helper\n');
    write('libs/yolo-py/yolo_py/helper.py', 'from yolo_py.sub.deep import f\n');
    write('libs/yolo-py/yolo_py/sub/__init__.py', '');
    write('libs/yolo-py/yolo_py/sub/deep.py', 'import os\n');
    assert.deepEqual(codeClosure(root, { ts: ['libs/s/src/stage.ts'], python: ['yolo_py.run'] }), [
      'libs/s/src/a.ts',
      'libs/s/src/stage.ts',
      'libs/yolo-py/yolo_py/__init__.py',
      'libs/yolo-py/yolo_py/helper.py',
      'libs/yolo-py/yolo_py/run.py',
      'libs/yolo-py/yolo_py/sub/__init__.py',
      'libs/yolo-py/yolo_py/sub/deep.py',
    ]);
    // JSON the Python side reads: beside the module, or emitted into yolo_py/contracts; a name with no file is no input.
    write('libs/yolo-py/yolo_py/sub/deep.py', 'import os\nA = Path(__file__).parent / "codes.json"\nB = CONTRACTS / "names.json"\nC = "nowhere.json"\n');
    write('libs/yolo-py/yolo_py/sub/codes.json', '{}');
    write('libs/yolo-py/yolo_py/contracts/names.json', '{}');
    const closure = codeClosure(root, { ts: [], python: ['yolo_py.run'] });
    assert.ok(closure.includes('libs/yolo-py/yolo_py/sub/codes.json') && closure.includes('libs/yolo-py/yolo_py/contracts/names.json'), closure.join(' '));
    assert.ok(!closure.some((f) => f.endsWith('nowhere.json')));
    write('libs/s/src/a.ts', "import './gone.ts';\n");
    // A file the closure stops at is in it, the imports it alone makes are not.
    assert.deepEqual(codeClosure(root, { ts: ['libs/s/src/stage.ts'], python: [] }, ['libs/s/src/a.ts']), ['libs/s/src/a.ts', 'libs/s/src/stage.ts']);
    assert.throws(() => codeClosure(root, { ts: ['libs/s/src/stage.ts'], python: [] }), /libs\/s\/src\/a\.ts: import '\.\/gone\.ts' resolves to no file/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
