import { basename, dirname, join } from 'node:path';
import ort from 'onnxruntime-node';
import { writeFileAtomically } from '../../core/src/staging.ts';
import sharp from 'sharp';
import { cocoStatKeys, type CocoStatKey } from '../../core/src/vocabulary.ts';
import type { MetricsJson } from '../../core/src/schemas/eval.ts';
import type { CocoBboxEvaluation, CocoBboxStats } from './coco/index.ts';
import type { UltralyticsDetectionMetrics } from './ultralytics-metric/index.ts';

/** The metrics file the eval stage writes per model (<variant>.metrics.json): its schema's type (core/src/schemas/eval.ts). */
export type { MetricsJson };

/** What the run measured and used, beside the scores: every key of metrics.json but the scores and the versions. */
export type RunFacts = Omit<MetricsJson, 'stats' | 'perCategory' | 'ultralytics' | 'versions' | 'fidelity' | CocoStatKey>;

export function buildMetrics(evaluation: CocoBboxEvaluation, ultralytics: UltralyticsDetectionMetrics, facts: RunFacts): MetricsJson {
  const e = evaluation;
  return {
    stats: [...e.stats],
    ...Object.fromEntries(cocoStatKeys.map((key) => [key, e[key]])) as CocoBboxStats,
    perCategory: [...e.perCategory],
    ultralytics,
    ...facts,
    versions: runtimeVersions(),
  };
}

export function runtimeVersions(): MetricsJson['versions'] {
  return { 'onnxruntime-node': ort.env.versions.node ?? 'unknown', sharp: sharp.versions.sharp, node: process.versions.node };
}

/** fp16.metrics.json -> fp16.detections.json; other.json -> other.detections.json. */
export function detectionsPathFor(metricsPath: string): string {
  const name = basename(metricsPath);
  const stem = name.endsWith('.metrics.json') ? name.slice(0, -'.metrics.json'.length) : name.replace(/\.json$/, '');
  return join(dirname(metricsPath), `${stem}.detections.json`);
}

/** Writes JSON through a temporary file in the same folder and a rename, so readers never see half a file. */
export async function writeJsonAtomically(path: string, value: unknown): Promise<void> {
  await writeFileAtomically(path, `${JSON.stringify(value, null, 1)}\n`);
}
