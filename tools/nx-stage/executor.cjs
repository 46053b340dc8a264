// Nx loads executors with require() and this workspace has no swc/ts-node: a CommonJS shim that imports the
// TypeScript executor through tsx (libs/core/src/stage-executor.ts holds the logic and its tests).
const { tsImport } = require('tsx/esm/api');

module.exports = async function stageExecutor(options) {
  const { runStageExecutor } = await tsImport('../../libs/core/src/stage-executor.ts', __filename);
  return runStageExecutor(options);
};
