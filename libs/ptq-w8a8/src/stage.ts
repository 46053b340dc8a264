/**
 * The ptq-w8a8 stage: a W8A8 static QDQ file of the FP16 ONNX export (onnxruntime.quantization: int8 per-channel
 * weights, calibrated int8 activations) -> <run-root>/ptq-w8a8, with the calibration list and its sha256
 * (calibration.json). The calibration images are a fixed list of train2017 images, never val ones, letterboxed
 * by the evaluator's own code in preprocess.yaml's style (the one eval setting that changes calibration). The
 * letterboxed tensor is a temporary file, not an output.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadSection, type Profile } from '../../core/src/config/load.ts';
import { requireArtifact } from '../../core/src/artifacts.ts';
import { artifactFiles, onnxFileName, ptqFiles, type RunLayout } from '../../core/src/layout.ts';
import { forwardLine, offlineEnv, runPythonModuleOrFail } from '../../core/src/python.ts';
import { ptqW8a8RequestSchema } from '../../core/src/schemas/ptq-w8a8.ts';
import { runStageMain } from '../../core/src/stage-args.ts';
import { writeDirAtomically } from '../../core/src/staging.ts';
import { fromWorkspace } from '../../core/src/workspace.ts';
import { selectTrainImages } from '../../core/src/images/calibration/train-images.ts';
import { calibrationFiles, writeCalibrationSet } from '../../core/src/images/calibration/write-set.ts';
import { fixedInputSide } from '../../core/src/onnx-input.ts';

export async function runPtqW8a8Stage(profile: Profile, layout: RunLayout): Promise<void> {
  const { calibrationImages, calibrationMethod } = loadSection('ptq', profile);
  const { letterbox } = loadSection('preprocess', profile);
  const fp16Onnx = await requireArtifact(join(layout.onnx, onnxFileName.fp16), layout);
  // The size the file was exported at, from the file: a QAT change rewrites export.json but not this file.
  const imgsz = await fixedInputSide(fp16Onnx);
  const { trainDir, list } = await selectTrainImages(layout, calibrationImages, 'conf/ptq.yaml: calibrationImages');
  process.stdout.write(`[ptq-w8a8] calibration: ${list.images.length} train images (requested ${list.requested}), sha256 ${list.sha256}, ${letterbox} letterbox\n`);

  await writeDirAtomically(layout.ptq.w8a8, async (staging) => {
    await writeCalibrationSet(trainDir, list, imgsz, letterbox, staging);
    const requestFile = join(staging, artifactFiles.ptqRequest);
    const calibration = { tensor: join(staging, calibrationFiles.tensor), meta: join(staging, calibrationFiles.meta), method: calibrationMethod };
    await writeFile(requestFile, JSON.stringify(ptqW8a8RequestSchema.parse({ out_dir: staging, imgsz, fp16_onnx: fp16Onnx, calibration }), null, 2));
    await runPythonModuleOrFail('yolo_py.ptq_w8a8_cli', [requestFile, layout.yoloConfig], { env: offlineEnv(layout.yoloConfig), what: 'ptq-w8a8', onLine: forwardLine });
    // The letterboxed images (N x 3 x imgsz^2 float32, 1.3 GB for 256 COCO images at 640) are no result; the list is.
    await rm(calibration.tensor);
  });
  process.stdout.write(`ptq-w8a8: ${Object.values(ptqFiles.w8a8).join(', ')} -> ${fromWorkspace(layout.ptq.w8a8)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) runStageMain(runPtqW8a8Stage);
