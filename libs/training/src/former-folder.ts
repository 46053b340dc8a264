/**
 * A training's folder under a name earlier versions of this workspace gave it: the QAT run was `qat/` until its folder
 * took the plan's name (layout.ts trainingFolder). Its run root may hold days of training there, so it is moved to the
 * folder's current name once, in one rename, rather than left behind while the stage looks for the new one.
 */
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../core/src/errors.ts';
import type { RunLayout } from '../../core/src/layout.ts';
import { exists, removeStaleStaging } from '../../core/src/staging.ts';
import type { Variant } from '../../core/src/variants.ts';
import { fromWorkspace } from '../../core/src/workspace.ts';

/** The names each training's folder had before its current one (layout.ts trainingFolder), in the run root. */
export const formerTrainingFolders: Readonly<Partial<Record<Variant, readonly string[]>>> = { qat: ['qat'] };

/**
 * Moves the variant's folder from a former name to its current one, printing where; nothing when there is none. Fails,
 * moving nothing, when both names hold a folder: which one is the run to keep is the user's call.
 */
export async function adoptFormerFolder(variant: Variant, layout: RunLayout, log: (line: string) => void): Promise<void> {
  const current = layout.train[variant];
  for (const name of formerTrainingFolders[variant] ?? []) {
    const former = join(layout.root, name);
    await removeStaleStaging(former); // a finalise killed mid-swap under the former name left <name>.old-<pid>-<ms>
    if (!(await exists(former))) continue;
    if (await exists(current)) {
      throw new UserError(
        `${fromWorkspace(former)} is this training's folder under its former name, and ${fromWorkspace(current)} exists too; ` +
          `keep one: \`rm -rf ${fromWorkspace(former)}\` keeps the current one, \`rm -rf ${fromWorkspace(current)}\` then a rerun moves the former one in`,
        `train-${variant}`,
      );
    }
    await rename(former, current);
    log(`moved ${fromWorkspace(former)} to ${fromWorkspace(current)}, the training folder's new name`);
  }
}
