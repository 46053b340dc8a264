/**
 * The source files a stage runs: the local imports reachable from its entry points, TypeScript and Python
 * (yolo_py) alike. The local Nx plugin hashes exactly these as the stage's code input, so a file a stage never
 * loads (chart code for a training, a test's generator) cannot invalidate it, and a new import is an input
 * the moment it is written. Imports are read with patterns, not a parser: the project writes them plainly.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { sha256Text } from './hashing.ts';

/** Where a yolo_py module (yolo_py.x) resolves: libs/yolo-py/yolo_py/x.py or x/__init__.py. */
export const pythonRoot = 'libs/yolo-py';

/** Relative TypeScript specifiers of one file: static imports, re-exports, and `new URL` of a relative .ts path and `import.meta.url` (worker scripts). */
export function tsLocalSpecifiers(source: string): string[] {
  const patterns = [/\bfrom\s+'(\.{1,2}\/[^']+)'/g, /^\s*import\s+'(\.{1,2}\/[^']+)'/gm, /new URL\('(\.{1,2}\/[^']+\.ts)'/g];
  return patterns.flatMap((p) => [...source.matchAll(p)].map((m) => m[1]!));
}

/**
 * npm packages one TypeScript file imports or resolves with require.resolve: a subpath names its package (pkg/sub ->
 * pkg, @scope/pkg/sub -> @scope/pkg); node: built-ins are not packages. (No quoted example here: this file is eval's
 * code too, and is read with these very patterns.)
 */
export function tsPackageImports(source: string): string[] {
  return [...source.matchAll(/(?:\bfrom\s+|^\s*import\s+|\bimport\(|\.resolve\()'([^'.][^']*)'/gm)]
    .map((m) => m[1]!)
    .filter((spec) => !spec.startsWith('node:'))
    .map((spec) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/'));
}

/** yolo_py modules one Python file imports, each with the names it takes (a name may be a submodule). */
export function pyLocalImports(source: string): Array<{ module: string; names: string[] }> {
  const found: Array<{ module: string; names: string[] }> = [];
  for (const m of source.matchAll(/^[ \t]*from[ \t]+(\.+[\w.]*|yolo_py[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]+)/gm)) {
    if (m[1]!.startsWith('.')) throw new Error(`relative import '${m[1]}': yolo_py imports are absolute (from yolo_py.x import y)`);
    found.push({ module: m[1]!, names: m[2]!.replace(/[()]/g, '').split(',').map((n) => n.trim().split(/\s+/)[0]!).filter(Boolean) });
  }
  for (const m of source.matchAll(/^[ \t]*import[ \t]+(yolo_py[\w.]*)/gm)) found.push({ module: m[1]!, names: [] });
  return found;
}

/** Where the JSON files emitted from the TypeScript definitions live (python-contracts.ts). */
export const pythonContractsFolder = join(pythonRoot, 'yolo_py', 'contracts');

/**
 * Data files one Python file reads: each "<name>.json" literal that names a file beside it or in
 * yolo_py/contracts (contracts/exit_codes.json, contracts/variants.json, ...), workspace-relative.
 */
function pyDataFiles(root: string, file: string, source: string): string[] {
  const names = [...source.matchAll(/["']([\w.-]+\.json)["']/g)].map((m) => m[1]!);
  return names.flatMap((name) => [join(dirname(file), name), join(pythonContractsFolder, name)].filter((p) => existsSync(join(root, p))));
}

/** The file of a yolo_py module (workspace-relative), or null when there is none. */
function pyModuleFile(root: string, module: string): string | null {
  const base = join(pythonRoot, ...module.split('.'));
  for (const file of [`${base}.py`, join(base, '__init__.py')]) if (existsSync(join(root, file))) return file;
  return null;
}

/** A module and the __init__.py of each package above it: Python runs them all on import. */
function pyModuleFiles(root: string, module: string): string[] {
  const parts = module.split('.');
  return parts.flatMap((_, i) => pyModuleFile(root, parts.slice(0, i + 1).join('.')) ?? []);
}

export interface CodeEntries {
  /** Workspace-relative TypeScript entry files (the stage script). */
  ts: readonly string[];
  /** yolo_py modules the stage runs with `python -m`. */
  python: readonly string[];
}

/**
 * Every local file reachable from the entries, workspace-relative and sorted; the imports of a file in `stopAt` are
 * not followed. Throws on an import that resolves to no file.
 */
export function codeClosure(root: string, entries: CodeEntries, stopAt: readonly string[] = []): string[] {
  const seen = new Set<string>();
  const queue = [...entries.ts, ...entries.python.flatMap((m) => pyModuleFiles(root, m))];
  for (const m of entries.python) if (!pyModuleFile(root, m)) throw new Error(`python module ${m}: no file under ${pythonRoot}`);
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (stopAt.includes(file)) continue;
    const source = readFileSync(join(root, file), 'utf8');
    if (file.endsWith('.ts')) {
      for (const spec of tsLocalSpecifiers(source)) {
        const target = normalize(join(dirname(file), spec));
        if (!existsSync(join(root, target))) throw new Error(`${file}: import '${spec}' resolves to no file`);
        queue.push(relative('.', target));
      }
    } else if (file.endsWith('.py')) {
      for (const data of pyDataFiles(root, file, source)) seen.add(data);
      for (const { module, names } of pyLocalImports(source)) {
        queue.push(...pyModuleFiles(root, module));
        for (const name of names) queue.push(...(pyModuleFile(root, `${module}.${name}`) ? pyModuleFiles(root, `${module}.${name}`) : []));
      }
    }
  }
  return [...seen].sort();
}

/**
 * Files no stage's output depends on although stages import them: the wording of error messages (errors.ts), and
 * the stage registry, which a stage reads only to name the target that writes a missing upstream file
 * (stage-outputs.ts). Neither they nor what only they import (the stage declarations) are inputs: a declaration
 * reaches the hash through the target Nx derives from it, so an edit of one reruns only the stages whose target
 * changed. Everything else a stage loads is its input.
 */
const notOutputAffecting: readonly string[] = ['libs/core/src/errors.ts', 'libs/core/src/stage-registry.ts'];

/** The code inputs of a stage that starts at `entries`: their closure, stopped at and less the files above (Nx hashes these, nx-targets.ts). */
export function codeInputs(root: string, entries: CodeEntries): string[] {
  return codeClosure(root, entries, notOutputAffecting).filter((file) => !notOutputAffecting.includes(file));
}

/** Digest of those files, by workspace-relative path and content: equal exactly when Nx's code input is. */
export function closureDigest(root: string, entries: CodeEntries): string {
  return sha256Text(codeInputs(root, entries).map((file) => `${file}\0${sha256Text(readFileSync(join(root, file)))}`).join('\n'));
}
