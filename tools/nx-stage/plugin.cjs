// The workspace's local Nx plugin. createNodesV2 builds every stage's Nx target from its declaration in
// libs/core/src/stages.ts (inputs, outputs, dependsOn: project.json states none of them) with one Nx
// configuration per profile (and the default profile as its options), read from libs/core/src/config/schema.ts;
// preTasksExecution refuses an unknown `-c` before any task runs. The logic is TypeScript, imported through tsx.
const { readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
const { tsImport } = require('tsx/esm/api');

const STAGE_EXECUTOR = './tools/nx-stage:stage';
const load = () => tsImport('../../libs/core/src/nx-configurations.ts', __filename);
const loadStages = () => tsImport('../../libs/core/src/stages.ts', __filename);

module.exports = {
  name: 'nx-stage',
  createNodes: [
    'libs/*/project.json',
    async (files, _options, context) => {
      const { stageTargetProfiles } = await load();
      const { stageNames, stages, nxStageTarget } = await loadStages();
      const { options, configurations } = stageTargetProfiles();
      return files.map((file) => {
        const name = JSON.parse(readFileSync(join(context.workspaceRoot, file), 'utf8')).name;
        if (!stageNames.includes(name)) return [file, {}];
        const { implicitDependencies, ...target } = nxStageTarget(context.workspaceRoot, name);
        const stageTarget = {
          executor: STAGE_EXECUTOR,
          cache: true,
          ...target,
          options: { script: stages[name].code.ts[0], ...options },
          configurations,
        };
        return [file, { projects: { [dirname(file)]: { implicitDependencies, targets: { [name]: stageTarget } } } }];
      });
    },
  ],
  async preTasksExecution(_options, context) {
    const { checkConfigurations } = await load();
    checkConfigurations(context.argv);
  },
};
