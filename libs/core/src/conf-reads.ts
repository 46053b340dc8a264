/**
 * Which conf/ files a stage's code reads, found in its code closure (code-closure.ts), and how that differs from
 * the `conf` its declaration lists (libs/<stage>/src/declaration.ts), which Nx hashes: a file read but not listed is a stale cache hit
 * waiting to happen, a file listed but never read a needless rerun. Reads are found with patterns, not a parser,
 * as imports are: the readers are load.ts's exports, called with a literal section name. Anything else that could
 * read conf/ (a reader called with a variable, renamed on import, passed as a value; confDir; a literal naming a
 * conf/ file) is reported as unresolvable, never passed over. Pure: callers read the files.
 */
import { basename } from 'node:path';
import { hypSourceFile } from './config/load.ts';

/** The module whose exports read conf/: its own calls of them are the readers' bodies, not reads of a stage. */
export const confReaderModule = 'libs/core/src/config/load.ts';

/** load.ts's exports that read conf/<section>.yaml, the section their first argument. */
const sectionReaders = ['loadSection', 'keyLocation'] as const;
/** load.ts's exports that name a conf/ file: using one reads it. */
const fileConstants: Record<string, string> = { hypSourceFile: basename(hypSourceFile) };

export interface SourceFile {
  /** Workspace-relative path. */
  path: string;
  source: string;
}

export interface ConfReads {
  /** conf/ file names read, sorted. */
  files: string[];
  /** Places that may read conf/ in a way the patterns cannot name: `path:line: text`. */
  unresolvable: string[];
}

/** TypeScript with its comments blanked (strings kept, so that a `//` in one is not a comment); newlines kept for line numbers. */
function stripTsComments(source: string): string {
  return source.replace(/('(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`)|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (all, str: string | undefined) =>
    str ?? all.replace(/[^\n]/g, ' '),
  );
}

/** TypeScript with the text of its '' and "" strings blanked (template literals kept: a `${}` in one may read). */
function blankTsStrings(code: string): string {
  return code.replace(/`(?:\\.|[^`\\])*`|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"/g, (str) =>
    str.startsWith('`') ? str : str[0] + ' '.repeat(str.length - 2) + str[0],
  );
}

/** Python with its # comments blanked (strings kept). */
function stripPyComments(source: string): string {
  return source.replace(/("(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')|#[^\n]*/g, (all, str: string | undefined) => str ?? ' '.repeat(all.length));
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** String literals that are a conf/ path: 'conf', 'conf/', 'conf/train.yaml' or 'train.yaml' whole (a message that names one is not). */
function confLiteral(confFiles: readonly string[]): RegExp {
  return new RegExp(`(['"\`])(?:conf/?|(?:conf/)?(?:${confFiles.map(escape).join('|')}))\\1`, 'g');
}

/** The conf/ reads of one file of a closure; `confFiles`: the files of conf/, by name. */
export function confReadsOf(file: SourceFile, confFiles: readonly string[]): ConfReads {
  const files = new Set<string>();
  const unresolvable: string[] = [];
  if (file.path === confReaderModule || !/\.(ts|py)$/.test(file.path)) return { files: [], unresolvable };
  const isTs = file.path.endsWith('.ts');
  let code = isTs ? stripTsComments(file.source) : stripPyComments(file.source);
  const lineOf = (index: number): number => code.slice(0, index).split('\n').length;
  const flag = (index: number, why: string): void => {
    const line = lineOf(index);
    unresolvable.push(`${file.path}:${line}: ${why}: ${file.source.split('\n')[line - 1]!.trim()}`);
  };
  const readerNames = [...sectionReaders, ...Object.keys(fileConstants), 'confDir'];
  if (isTs) {
    // Import and re-export lists name the readers without reading; a renamed one would hide its calls.
    code = code.replace(/^[ \t]*(?:import|export)\b[^;]*?\bfrom\s*['"][^'"]+['"]/gm, (statement, offset: number) => {
      const renamed = new RegExp(`\\b(?:${readerNames.join('|')})\\s+as\\b`).exec(statement);
      if (renamed) flag(offset + renamed.index, `${renamed[0].split(/\s/)[0]} imported under another name`);
      return statement.replace(/[^\n]/g, ' ');
    });
    // Names are looked for outside strings (a message may name a reader); a call's argument is read from the code.
    const bare = blankTsStrings(code);
    for (const m of bare.matchAll(new RegExp(`\\b(${sectionReaders.join('|')})\\b`, 'g'))) {
      const call = /^\s*\(\s*(['"])([\w.-]+)\1\s*[,)]/.exec(code.slice(m.index + m[0].length));
      if (call) files.add(`${call[2]}.yaml`);
      else flag(m.index, `${m[1]} without a literal section name`);
    }
    for (const [name, confFile] of Object.entries(fileConstants)) {
      if (new RegExp(`\\b${name}\\b`).test(bare)) files.add(confFile);
    }
    for (const m of bare.matchAll(/\bconfDir\b/g)) flag(m.index, 'confDir used outside load.ts');
  }
  for (const m of code.matchAll(confLiteral(confFiles))) flag(m.index, 'names a conf/ file outside load.ts');
  return { files: [...files].sort(), unresolvable };
}

export interface StageConf {
  /** conf/ files the declaration lists (Nx inputs). */
  conf: readonly string[];
  /** conf/ files its code reads that are deliberately not inputs, each with why. */
  confNotInputs?: Readonly<Record<string, string>>;
}

/**
 * Every disagreement between a stage's declaration and its code's reads, as messages (none: they agree). `code`:
 * the files of its closure with their text.
 */
export function confMismatches(stage: string, declared: StageConf, code: readonly SourceFile[], confFiles: readonly string[]): string[] {
  const reads = new Map<string, string[]>(); // conf file -> the closure's files that read it
  const problems: string[] = [];
  for (const file of code) {
    const found = confReadsOf(file, confFiles);
    for (const conf of found.files) reads.set(conf, [...(reads.get(conf) ?? []), file.path]);
    problems.push(...found.unresolvable.map((u) => `${stage}: cannot tell which conf/ file this reads (${u})`));
  }
  const notInputs = Object.keys(declared.confNotInputs ?? {});
  for (const [conf, by] of [...reads].sort(([a], [b]) => a.localeCompare(b))) {
    if (!declared.conf.includes(conf) && !notInputs.includes(conf)) problems.push(`${stage}: reads conf/${conf} (${by.join(', ')}) but its declaration's conf does not list it`);
  }
  for (const conf of declared.conf) {
    if (!reads.has(conf)) problems.push(`${stage}: declares conf/${conf} but none of its code reads it`);
    if (notInputs.includes(conf)) problems.push(`${stage}: conf/${conf} is both an input and a read that is not one`);
  }
  for (const conf of notInputs) if (!reads.has(conf)) problems.push(`${stage}: conf/${conf} is listed as read but not an input, and none of its code reads it`);
  for (const conf of [...declared.conf, ...notInputs]) if (!confFiles.includes(conf)) problems.push(`${stage}: conf/${conf} does not exist`);
  return problems;
}
