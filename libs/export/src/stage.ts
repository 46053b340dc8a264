/**
 * The export stage: both trained models (best.pt) -> <run-root>/onnx: the FP16 baseline as float ONNX and the
 * QAT model as QCDQ ONNX (Brevitas, TorchScript exporter), one opset and imgsz for all, plus export.json. Each model
 * is exported with both YOLOv10 heads: the one-to-one, NMS-free head (the product) and the one-to-many head's raw
 * output, which eval scores with NMS beside it.
 */
import { writeFile } from 'node:fs/promises';
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

type ExportRequest = z.output<typeof exportRequestSchema>;

export async function runExportStage(profile: Profile, layout: RunLayout): Promise<void> {
  const { opset } = loadSection('export', profile);
  const { imgsz } = loadSection('train', profile);
  const models: ExportRequest['models'] = [];
  for (const variant of variants) {
    const checkpoint = await requireArtifact(join(layout.train[variant], artifactFiles.bestWeights), layout, `no trained ${variant} model`);
    for (const head of valHeads) models.push({ variant, head, checkpoint, file: headOnnxFileName[variant][head] });
  }
  await writeDirAtomically(layout.onnx, async (staging) => {
    const requestFile = join(staging, artifactFiles.exportRequest);
    const request: ExportRequest = exportRequestSchema.parse({ out_dir: staging, imgsz, opset, models });
    await writeFile(requestFile, JSON.stringify(request, null, 2));
    await runPythonModuleOrFail('yolo_py.export_cli', [requestFile, layout.yoloConfig], {
      env: offlineEnv(layout.yoloConfig),
      what: 'export',
      onLine: forwardLine,
    });
  });
  process.stdout.write(`export: ${models.map((m) => m.file).join(', ')} -> ${fromWorkspace(layout.onnx)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) runStageMain(runExportStage);
