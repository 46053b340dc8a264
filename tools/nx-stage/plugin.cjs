// The workspace's local Nx plugin. createNodes makes one Nx project per stage that libs/core/src/stage-registry.ts
// registers, at libs/<stage>, with one target derived from the stage's declaration (libs/core/src/nx-targets.ts:
// inputs, outputs, dependsOn, and one Nx configuration per profile with the default profile as its options): no stage
// has a project.json. preTasksExecution refuses an unknown `-c` before any task runs. The logic is TypeScript,
// imported through tsx.
const { tsImport } = require('tsx/esm/api');

const load = () => tsImport('../../libs/core/src/nx-configurations.ts', __filename);
const loadTargets = () => tsImport('../../libs/core/src/nx-targets.ts', __filename);

module.exports = {
  name: 'nx-stage',
  createNodes: [
    'libs/core/src/stage-registry.ts',
    async (files, _options, context) => {
      const { nxStageProjects } = await loadTargets();
      return files.map((file) => [file, { projects: nxStageProjects(context.workspaceRoot) }]);
    },
  ],
  async preTasksExecution(_options, context) {
    const { checkConfigurations } = await load();
    checkConfigurations(context.argv);
  },
};
