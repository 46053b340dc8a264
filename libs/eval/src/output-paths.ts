import { realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from '../../core/src/errors.ts';

/**
 * The evaluator's files it writes must not be any file it reads: `--out victim.onnx` once replaced a model
 * with its metrics. Paths are compared as the filesystem resolves them (symlinks, `..`, relative paths), so
 * another spelling of the same file is refused too.
 */
export interface NamedPath {
  /** How the user named it: the option. */
  readonly option: string;
  readonly path: string;
}

/** The file a path names once its folder (and the file itself, when it is a symlink) is resolved. */
function canonical(path: string): string {
  const absolute = resolve(path);
  try {
    return realpathSync(absolute);
  } catch {
    try {
      return join(realpathSync(dirname(absolute)), basename(absolute));
    } catch {
      return absolute; // a folder that does not exist yet: nothing there can be an input
    }
  }
}

/** Throws, naming both options, when an output names an input or another output. Nothing is read or written. */
export function refuseOutputsOverInputs(outputs: readonly NamedPath[], inputs: readonly NamedPath[]): void {
  const seen = inputs.map((input) => ({ ...input, real: canonical(input.path), kind: 'input' }));
  for (const output of outputs) {
    const real = canonical(output.path);
    const clash = seen.find((other) => other.real === real);
    if (clash) {
      throw new UserError(`would overwrite ${clash.option} ${clash.path}, which the evaluator ${clash.kind === 'input' ? 'reads' : 'also writes'}: choose another path`, `${output.option} ${output.path}`);
    }
    seen.push({ ...output, real, kind: 'output' });
  }
}
