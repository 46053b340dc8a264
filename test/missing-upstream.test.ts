/**
 * A stage run before its upstream fails naming the missing file and the Nx target that writes it (one wording,
 * libs/core/src/artifacts.ts' requireArtifact), before it starts any work.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { artifactFiles, runLayout } from '../libs/core/src/layout.ts';
import { runExportStage } from '../libs/export/src/stage.ts';
import { runEvalStage } from '../libs/eval/src/stage.ts';

const withRunRoot = async (body: (root: string) => Promise<void>) => {
  const root = mkdtempSync(join(tmpdir(), 'missing-upstream-'));
  try {
    await body(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
};

test('export without a trained model names best.pt and the training target', () =>
  withRunRoot(async (root) => {
    await assert.rejects(runExportStage('ci', runLayout('ci', root)), /fp16\/weights\/best\.pt: no trained fp16 model: run `npx nx run train-fp16:train-fp16` first/);
  }));

test("eval without the export's output names the missing file and the target that writes it", () =>
  withRunRoot(async (root) => {
    const layout = runLayout('ci', root);
    mkdirSync(layout.dataset, { recursive: true });
    const annotations = join(root, 'instances_val2017.json');
    writeFileSync(annotations, JSON.stringify({ images: [], annotations: [], categories: [] }));
    const counts = { images: 0, labelledImages: 0, backgroundImages: 0, annotationsWritten: 0 };
    writeFileSync(join(layout.dataset, artifactFiles.provenance), JSON.stringify({ source: { kind: 'synthetic', root }, splits: { val2017: { annotationFile: annotations, counts } } }));
    await assert.rejects(runEvalStage('ci', layout), /onnx\/export\.json: missing: run `npx nx run export:export` first/);
  }));
