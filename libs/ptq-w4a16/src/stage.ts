/**
 * The ptq-w4a16 stage: the finished FP16 model's weights through the QAT run's own Brevitas quantizer (qat.yaml:
 * 4-bit, per channel, AbsMax, DFL kept float, per-layer widths alike), no training, exported as QCDQ; the packed INT4 opset-21 copies of
 * the QAT (from scratch and fine-tuned) and the PTQ QCDQ files; the quantization report (per-layer weight SQNR) -> <run-root>/ptq-w4a16.
 * Reads no calibration data, so a change to conf/ptq.yaml never reruns it.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import { loadSection, type Profile } from '../../core/src/config/load.ts';
import { readArtifact, requireArtifact } from '../../core/src/artifacts.ts';
import { artifactFiles, onnxFileName, ptqFiles, type RunLayout } from '../../core/src/layout.ts';
import { forwardLine, offlineEnv, runPythonModuleOrFail } from '../../core/src/python.ts';
import { exportJsonSchema } from '../../core/src/schemas/export.ts';
import { ptqW4a16RequestSchema } from '../../core/src/schemas/ptq-w4a16.ts';
import { qatSettingsRequest } from '../../core/src/schemas/qat-settings.ts';
import { runStageMain } from '../../core/src/stage-args.ts';
import { writeDirAtomically } from '../../core/src/staging.ts';
import { fromWorkspace } from '../../core/src/workspace.ts';

type W4a16Request = z.output<typeof ptqW4a16RequestSchema>;

export async function runPtqW4a16Stage(profile: Profile, layout: RunLayout): Promise<void> {
  // The export's facts (its input size and opset, which the PTQ file is exported at too), from what export wrote.
  const { imgsz, opset } = await readArtifact(join(layout.onnx, artifactFiles.exportJson), exportJsonSchema, layout);
  const request: Omit<W4a16Request, 'out_dir'> = {
    imgsz,
    opset,
    qat_settings: qatSettingsRequest(loadSection('qat', profile)),
    fp16_checkpoint: await requireArtifact(join(layout.train.fp16, artifactFiles.bestWeights), layout),
    qat_checkpoint: await requireArtifact(join(layout.train.qat, artifactFiles.bestWeights), layout),
    qat_qcdq_onnx: await requireArtifact(join(layout.onnx, onnxFileName.qat), layout),
    qat_ft_qcdq_onnx: await requireArtifact(join(layout.onnx, onnxFileName['qat-ft']), layout),
  };
  await writeDirAtomically(layout.ptq.w4a16, async (staging) => {
    // Kept beside the outputs as the record of what the step was asked (as export keeps its request).
    const requestFile = join(staging, artifactFiles.ptqRequest);
    await writeFile(requestFile, JSON.stringify(ptqW4a16RequestSchema.parse({ ...request, out_dir: staging }), null, 2));
    await runPythonModuleOrFail('yolo_py.ptq_w4a16_cli', [requestFile, layout.yoloConfig], { env: offlineEnv(layout.yoloConfig), what: 'ptq-w4a16', onLine: forwardLine });
  });
  process.stdout.write(`ptq-w4a16: ${Object.values(ptqFiles.w4a16).join(', ')} -> ${fromWorkspace(layout.ptq.w4a16)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) runStageMain(runPtqW4a16Stage);
