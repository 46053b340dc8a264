/** Rewrites libs/yolo-py/yolo_py/contracts/ from the TypeScript definitions (see libs/core/src/python-contracts.ts). */
import { join } from 'node:path';
import { runMain } from '../libs/core/src/errors.ts';
import { pythonContracts, pythonContractsDir } from '../libs/core/src/python-contracts.ts';
import { writeFileAtomically } from '../libs/core/src/staging.ts';

runMain(async () => {
  for (const [name, text] of Object.entries(pythonContracts())) {
    await writeFileAtomically(join(pythonContractsDir, name), text);
    process.stdout.write(`wrote ${join('libs/yolo-py/yolo_py/contracts', name)}\n`);
  }
});
