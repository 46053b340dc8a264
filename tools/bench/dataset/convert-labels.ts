/**
 * Child process of bench.ts: converts one instances file to YOLO labels (no images) the way
 * convertAnnotationFile does, timing each phase, so that the benchmark measures this conversion's own
 * wall time and peak RSS. Prints {counts, seconds: {parse, convert, write}} (each {wall, cpu}) as JSON.
 * Usage: node --import tsx tools/bench/dataset/convert-labels.ts <instances.json> <labels-dir>
 */
import { runMain, UserError } from '../../../libs/core/src/errors.ts';
import { cocoToYoloLabels, loadCocoInstances, writeLabelFiles } from '../../../libs/dataset/src/index.ts';
import { logToStderr, parseProgress } from '../../../libs/dataset/src/progress.ts';

runMain(async () => {
  const [annotationFile, labelsDir] = process.argv.slice(2);
  if (!annotationFile || !labelsDir) throw new UserError('usage: convert-labels.ts <instances.json> <labels-dir>');
  let started = performance.now();
  let startedCpu = process.cpuUsage();
  /** Wall and CPU seconds since the previous lap. */
  const lap = (): { wall: number; cpu: number } => {
    const cpu = process.cpuUsage(startedCpu);
    const now = performance.now();
    const result = { wall: (now - started) / 1000, cpu: (cpu.user + cpu.system) / 1e6 };
    started = now;
    startedCpu = process.cpuUsage();
    return result;
  };
  const data = loadCocoInstances(annotationFile, { onProgress: parseProgress(logToStderr, annotationFile) });
  const parse = lap();
  const labels = cocoToYoloLabels(data, annotationFile);
  const convert = lap();
  writeLabelFiles(labels.files, labelsDir);
  const write = lap();
  process.stdout.write(`${JSON.stringify({ counts: labels.counts, seconds: { parse, convert, write } })}\n`);
});
