/**
 * Nx runtime input of the stages that run Python: prints the requirements.lock lines of the packages a stage
 * imports and of everything they require (see python-packages.ts). Usage: stage-packages.ts <stage>.
 */
import { installedRequirements, readLock, stageLockLines } from './python-packages.ts';
import { stageNames, stages, type StageName } from './stage-registry.ts';

const stage = process.argv[2] as StageName;
if (!stageNames.includes(stage)) {
  process.stderr.write(`stage-packages: unknown stage '${process.argv[2]}': expected one of ${stageNames.join(', ')}\n`);
  process.exit(2);
}
process.stdout.write(`${stageLockLines(stages[stage].pythonPackages, readLock(), installedRequirements()).join('\n')}\n`);
