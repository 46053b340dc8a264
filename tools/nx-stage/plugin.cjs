// The workspace's local Nx plugin. createNodesV2 gives every target that runs the stage executor one Nx
// configuration per profile (and the default profile as its options), read from libs/core/src/config/schema.ts (so project.json never lists profiles);
// preTasksExecution refuses an unknown `-c` before any task runs. The logic is TypeScript, imported through tsx.
const { readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
const { tsImport } = require('tsx/esm/api');

const STAGE_EXECUTOR = './tools/nx-stage:stage';
const load = () => tsImport('../../libs/core/src/nx-configurations.ts', __filename);

module.exports = {
  name: 'nx-stage',
  createNodes: [
    'libs/*/project.json',
    async (files, _options, context) => {
      const { stageTargetProfiles } = await load();
      const profiles = stageTargetProfiles();
      return files.map((file) => {
        const project = JSON.parse(readFileSync(join(context.workspaceRoot, file), 'utf8'));
        const targets = Object.fromEntries(
          Object.entries(project.targets ?? {})
            .filter(([, target]) => target.executor === STAGE_EXECUTOR)
            .map(([name]) => [name, { executor: STAGE_EXECUTOR, ...profiles }]),
        );
        return [file, { projects: { [dirname(file)]: { targets } } }];
      });
    },
  ],
  async preTasksExecution(_options, context) {
    const { checkConfigurations } = await load();
    checkConfigurations(context.argv);
  },
};
