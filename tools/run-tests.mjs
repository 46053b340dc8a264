#!/usr/bin/env node
// Every test of the workspace: the TypeScript tests (node's test runner, beside the code in libs/ and the
// whole-pipeline tests in test/) and the Python package's pytest suite, against the pinned .venv (built here
// first if needed). Ends with one line "tests: N passed, N failed".
//
//   npm test                 everything
//   npm test -- --ts-only    TypeScript only;  npm test -- --py-only    Python only
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = new Set(process.argv.slice(2));
const skip = new Set(['node_modules', '.venv', '.git', 'tmp', '.nx', 'dist']);

function findTests(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (skip.has(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return findTests(path);
    return entry.name.endsWith('.test.ts') ? [relative(root, path)] : [];
  });
}

function run(command, argv, env = {}) {
  process.stdout.write(`\n$ ${command} ${argv.join(' ')}\n`);
  const result = spawnSync(command, argv, { cwd: root, encoding: 'utf8', env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 28 });
  process.stdout.write(result.stdout ?? '');
  return result;
}

let passed = 0;
let failed = 0;
let exitCode = 0;

// The Python environment first: the TypeScript tests of the hyps and training stages call into it too.
const venv = run('node', ['--import', 'tsx', '-e', "import('./libs/core/src/python-env.ts').then((m) => m.ensureVenv())"]);
if (venv.status !== 0) process.exit(venv.status ?? 1);

if (!args.has('--py-only')) {
  const unit = findTests(join(root, 'libs'));
  const pipeline = findTests(join(root, 'test'));
  // Unit tests in parallel; the pipeline tests share one Nx workspace and run one at a time.
  for (const [files, concurrency] of [[unit, 2], [pipeline, 1]]) {
    if (files.length === 0) continue;
    const result = run('node', ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...files]);
    passed += Number(/^# pass (\d+)/m.exec(result.stdout)?.[1] ?? 0);
    failed += Number(/^# fail (\d+)/m.exec(result.stdout)?.[1] ?? 0);
    if (result.status !== 0) exitCode = 1;
  }
}

if (!args.has('--ts-only')) {
  const result = run(join(root, '.venv', 'bin', 'python'), ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'libs/yolo-py/tests'], { PYTHONPATH: join(root, 'libs', 'yolo-py') });
  passed += Number(/(\d+) passed/.exec(result.stdout)?.[1] ?? 0);
  failed += Number(/(\d+) failed/.exec(result.stdout)?.[1] ?? 0) + Number(/(\d+) errors?/.exec(result.stdout)?.[1] ?? 0);
  if (result.status !== 0) exitCode = 1;
}

process.stdout.write(`\ntests: ${passed} passed, ${failed} failed\n`);
process.exit(exitCode || (failed ? 1 : 0));
