/**
 * Child process of bench.ts: loads, checks and evaluates the files with the TypeScript evaluator and writes
 * timings and peak RSS, so its memory is measured on its own like the Python ones.
 * usage: node --import tsx run-ours.ts INSTANCES RESULTS OUTPUT
 */
import { writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { runMain, UserError } from '../../../libs/core/src/errors.ts';
import { evaluateCocoBbox, loadCocoInstancesFile, loadCocoResultsFile } from '../../../libs/eval/src/coco/index.ts';

runMain(async () => {
  const [instancesPath, resultsPath, outputPath] = process.argv.slice(2);
  if (!instancesPath || !resultsPath || !outputPath) throw new UserError('usage: run-ours.ts INSTANCES RESULTS OUTPUT');
  const started = performance.now();
  const instances = await loadCocoInstancesFile(instancesPath);
  const results = await loadCocoResultsFile(resultsPath, instances);
  const loaded = performance.now();
  const evaluation = evaluateCocoBbox(instances, results, { instancesSource: instancesPath, resultsSource: resultsPath });
  const finished = performance.now();
  const report = {
    stats: evaluation.stats,
    loadSeconds: (loaded - started) / 1000,
    evalSeconds: (finished - loaded) / 1000,
    peakRssKb: process.resourceUsage().maxRSS,
    cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
  };
  await writeFile(outputPath, JSON.stringify(report));
});
