/**
 * The export stage: both trained models (best.pt) -> <run-root>/onnx: the FP16 baseline as float ONNX and the
 * QAT model as QCDQ ONNX (Brevitas, TorchScript exporter), one opset and imgsz for all, plus export.json. Each model
 * is exported with both YOLOv10 heads: the one-to-one, NMS-free head (the product) and the one-to-many head's raw
 * output, which eval scores with NMS beside it. With conf/export.yaml's bnReestimation, the QAT model's BatchNorm
 * statistics are first re-estimated on train images (bn-images.ts).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import { loadSection, type Profile } from '../../core/src/config/load.ts';
import { requireArtifact } from '../../core/src/artifacts.ts';
import { artifactFiles, headOnnxFileName, type RunLayout } from '../../core/src/layout.ts';
import { valHeads } from '../../core/src/config/schema.ts';
import { variants } from '../../core/src/variants.ts';
import { exportRequestSchema } from '../../core/src/schemas/export.ts';
import { forwardLine, offlineEnv, runPythonModuleOrFail } from '../../core/src/python.ts';
import { runStageMain } from '../../core/src/stage-args.ts';
import { writeDirAtomically } from '../../core/src/staging.ts';
import { fromWorkspace } from '../../core/src/workspace.ts';
import { writeBnImages } from './bn-images.ts';

type ExportRequest = z.output<typeof exportRequestSchema>;

/**
 * The BatchNorm re-estimation's images are letterboxed as the trainings' own validation feeds images ('val'), not in
 * preprocess.yaml's style: that file is eval's and the W8A8 calibration's, and a letterbox edit must not re-export
 * (and re-quantize) every model when re-estimation is off, as it is by default.
 */
const bnLetterbox = 'val' as const;

export async function runExportStage(profile: Profile, layout: RunLayout): Promise<void> {
  const { opset, bnReestimation } = loadSection('export', profile);
  const { imgsz, batch } = loadSection('train', profile);
  const models: ExportRequest['models'] = [];
  for (const variant of variants) {
    const checkpoint = await requireArtifact(join(layout.train[variant], artifactFiles.bestWeights), layout, `no trained ${variant} model`);
    for (const head of valHeads) models.push({ variant, head, checkpoint, file: headOnnxFileName[variant][head] });
  }
  await writeDirAtomically(layout.onnx, async (staging) => {
    // The letterboxed images (1.3 GB for 256 at 640) are no output: they live in the staging folder until Python is done.
    const bnDir = join(staging, 'bn-images');
    let bn_reestimation: ExportRequest['bn_reestimation'] = null;
    if (bnReestimation) {
      await mkdir(bnDir);
      bn_reestimation = { ...(await writeBnImages(layout, bnReestimation.images, imgsz, bnLetterbox, bnDir)), batch };
    }
    const requestFile = join(staging, artifactFiles.exportRequest);
    const request: ExportRequest = exportRequestSchema.parse({ out_dir: staging, imgsz, opset, models, bn_reestimation });
    await writeFile(requestFile, JSON.stringify(request, null, 2));
    await runPythonModuleOrFail('yolo_py.export_cli', [requestFile, layout.yoloConfig], {
      env: offlineEnv(layout.yoloConfig),
      what: 'export',
      onLine: forwardLine,
    });
    await rm(bnDir, { recursive: true, force: true });
  });
  process.stdout.write(`export: ${models.map((m) => m.file).join(', ')} -> ${fromWorkspace(layout.onnx)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) runStageMain(runExportStage);
