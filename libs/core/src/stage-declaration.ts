/**
 * What a stage declares, in libs/<stage>/src/declaration.ts: what it reads (conf files, upstream artifacts, the code
 * it runs, the Python packages it imports) and what it writes (its folder and files). The local Nx plugin derives the
 * stage's Nx project and target from it (nx-targets.ts). A declaration is data: it names files through layout.ts,
 * where the stages' code finds them too, and no stage's code input holds it (code-closure.ts).
 */
import type { CodeEntries } from './code-closure.ts';
import type { RunLayout } from './layout.ts';

export interface StageDeclaration {
  /** Files of conf/ the stage reads (resources.yaml never: it moves a run, it does not change it; see confNotInputs). */
  conf: readonly string[];
  /**
   * Files of conf/ its code reads that are deliberately not inputs, each with why the read does not change what Nx
   * caches. conf-reads.test.ts holds `conf` and this to the reads its code makes.
   */
  confNotInputs?: Readonly<Record<string, string>>;
  /** Where its code starts (the first TypeScript entry is the script Nx runs); every local import reachable from here is an input (code-closure.ts). */
  code: CodeEntries;
  /** Python distributions it imports; their lock lines and those of what they require are an input. */
  pythonPackages: readonly string[];
  /** Stages (by registered name) that must have run first, and the artifact files of theirs (globs) this stage reads. */
  reads: Readonly<Record<string, readonly string[]>>;
  /**
   * Reads that a conf/ setting decides (a distilling QAT run reads its teacher), as a function: only the Nx plugin
   * calls it, when it builds the graph (graphReads in nx-targets.ts). Every stage imports the registry, so a read
   * evaluated at import would make each stage parse other stages' settings at start-up, and a bad key there would fail
   * stages that never read that file.
   */
  confDecidedReads?: () => Readonly<Record<string, readonly string[]>>;
  /**
   * Its output folder in the run layout. layout.ts spells it, because the stage's code and that of every stage reading
   * its files find it there at run time, and hash it.
   */
  output: (layout: RunLayout) => string;
  /** The files it writes in its output folder. */
  writes: readonly string[];
  /**
   * What Nx caches of the output folder: all of it (the default), or only `writes` and the task-hash stamp
   * (output-stamp.ts). 'writes' is for the trainings: their folder also holds the periodic checkpoints, TensorBoard
   * events and plots (about 20 GB for the two coco runs) that no stage reads, which Nx would copy into .nx/cache and,
   * run without its daemon, back out on every cache hit. The rest of the folder stays in the run root only.
   */
  nxCache?: 'folder' | 'writes';
  /** Inputs from outside the workspace: environment variables and commands whose output is hashed. */
  env?: readonly string[];
  runtime?: readonly string[];
}
