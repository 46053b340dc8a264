/**
 * The docs name only files that exist: every repository path README.md, docs/*.md and the libraries' READMEs write
 * (a word starting with one of the workspace's top folders; yolo_py/ and tests/ are the Python package's, as the
 * docs write them) is checked, so a renamed or deleted file fails here rather than in a reader's hands. A path
 * followed by a placeholder (libs/<stage>/..., tools/bench/*) is checked up to its last folder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceRoot } from './workspace.ts';

/** How the docs write a top folder -> where it is in the workspace. */
const roots: Record<string, string> = { conf: 'conf', docs: 'docs', libs: 'libs', test: 'test', tools: 'tools', yolo_py: 'libs/yolo-py/yolo_py', tests: 'libs/yolo-py/tests' };

/** The workspace-relative paths one document names, each with its line. Pure. */
export function namedPaths(text: string): Array<{ line: number; path: string }> {
  const found: Array<{ line: number; path: string }> = [];
  const word = new RegExp(`(?<![\\w./-])(${Object.keys(roots).join('|')})/([\\w./@-]*)`, 'g');
  text.split('\n').forEach((line, i) => {
    for (const m of line.matchAll(word)) {
      let rest = m[2]!.replace(/[.,;:]+$/, '');
      // Up to a placeholder (<stage>, {a,b}, *): its folder.
      if (/^[<{*]/.test(line.slice(m.index + m[0].length))) rest = m[2]!.slice(0, m[2]!.lastIndexOf('/') + 1);
      found.push({ line: i + 1, path: join(roots[m[1]!]!, rest) });
    }
  });
  return found;
}

test('the path finder reads paths as the docs write them', () => {
  const paths = namedPaths('see `libs/core/src/layout.ts`, (docs/benchmarks.md) and yolo_py/json_schema.py.\nnode libs/<stage>/src/stage.ts; tools/bench/* and tests/test_x.py::name; not tmp/x or nodelibs/x');
  assert.deepEqual(paths, [
    { line: 1, path: 'libs/core/src/layout.ts' },
    { line: 1, path: 'docs/benchmarks.md' },
    { line: 1, path: 'libs/yolo-py/yolo_py/json_schema.py' },
    { line: 2, path: 'libs' },
    { line: 2, path: 'tools/bench/' },
    { line: 2, path: 'libs/yolo-py/tests/test_x.py' },
  ]);
});

test('every repository path README.md and docs/*.md name exists', () => {
  const docs = [
    'README.md',
    ...readdirSync(join(workspaceRoot, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join('docs', f)),
    ...readdirSync(join(workspaceRoot, 'libs')).map((lib) => join('libs', lib, 'README.md')).filter((f) => existsSync(join(workspaceRoot, f))),
  ];
  let checked = 0;
  const missing: string[] = [];
  for (const doc of docs) {
    for (const { line, path } of namedPaths(readFileSync(join(workspaceRoot, doc), 'utf8'))) {
      checked += 1;
      if (!existsSync(join(workspaceRoot, path))) missing.push(`${doc}:${line}: ${path}`);
    }
  }
  assert.deepEqual(missing, []);
  assert.ok(checked > 100, `only ${checked} paths found: is the path finder broken?`);
});
