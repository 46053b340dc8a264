/**
 * One declaration per stage: what it reads (conf files, upstream artifacts, the code it runs, the Python
 * packages it imports) and what it writes (where: stage-outputs.ts). The local Nx plugin (tools/nx-stage)
 * derives each stage's Nx target from it (inputs, outputs, dependsOn), so a target's hash holds exactly what
 * can change the stage's output: a training is not rerun for a chart colour, an export tolerance or an
 * unrelated lock line.
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { codeInputs, tsPackageImports, type CodeEntries } from './code-closure.ts';
import { artifactFiles as f, calibrationListFileName, experimentName, headOnnxFileName, metricsFileName, onnxFileName, ptqFiles, runLayout, trainArgsFileName, variantLossChart } from './layout.ts';
import { stageNames, stageOutput, type StageName } from './stage-outputs.ts';

export { stageNames, type StageName };

export interface StageDeclaration {
  /** Files of conf/ the stage reads (resources.yaml never: it moves a run, it does not change it; see confNotInputs). */
  conf: readonly string[];
  /**
   * Files of conf/ its code reads that are deliberately not inputs, each with why the read does not change what Nx
   * caches. conf-reads.test.ts holds `conf` and this to the reads its code makes.
   */
  confNotInputs?: Readonly<Record<string, string>>;
  /** Where its code starts; every local import reachable from here is an input (code-closure.ts). */
  code: CodeEntries;
  /** Python distributions it imports; their lock lines and those of what they require are an input. */
  pythonPackages: readonly string[];
  /** Stages that must have run first, and the artifact files of theirs (globs) this stage reads. */
  reads: Partial<Record<StageName, readonly string[]>>;
  /** The files it writes in its output folder (stage-outputs.ts). */
  writes: readonly string[];
  /**
   * What Nx caches of the output folder: all of it (the default), or only `writes` and the task-hash stamp
   * (output-stamp.ts). 'writes' is for the trainings: their folder also holds the periodic checkpoints, TensorBoard
   * events and plots (about 20 GB for the two coco runs) that no stage reads, which Nx would copy into .nx/cache and,
   * run without its daemon, back out on every cache hit. The rest of the folder stays in the run root only.
   */
  nxCache?: 'folder' | 'writes';
  /** Inputs from outside the workspace: environment variables and commands whose output is hashed. */
  env?: readonly string[];
  runtime?: readonly string[];
}

/** The packages both trainings import (tensorboard: Ultralytics writes the run's events with it); the rest of their stack (torchvision, opencv, CUDA, ...) follows from these. */
const trainingPackages = ['torch', 'ultralytics', 'brevitas', 'numpy', 'tensorboard'];

/** What both trainings read from conf/ that is not an input (run-training.ts loads them for either variant). */
const trainingNotInputs = {
  'resources.yaml': 'where and how fast (devices, workers, CUDA graphs), not what: moving a run never invalidates it',
  'watch.yaml': 'what the trainer warns about, not what it trains: a threshold edit never retrains or restarts a run (request.ts leaves it out of the resume digest)',
};

const training = (variant: 'fp16' | 'qat'): StageDeclaration => ({
  conf: variant === 'qat' ? ['train.yaml', 'qat.yaml'] : ['train.yaml'],
  confNotInputs: variant === 'qat'
    ? trainingNotInputs
    : { ...trainingNotInputs, 'qat.yaml': 'the shared run-training.ts loads it for the QAT variant only: an FP16 run never reads it' },
  code: { ts: [`libs/train-${variant}/src/stage.ts`], python: ['yolo_py.train'] },
  pythonPackages: trainingPackages,
  reads: { dataset: [f.fingerprint], hyps: [trainArgsFileName] },
  writes: [f.runJson, f.resultsCsv, f.trainRequest, f.bestWeights, f.lastWeights],
  nxCache: 'writes',
});

export const stages: Record<StageName, StageDeclaration> = {
  dataset: {
    conf: ['dataset.yaml'],
    code: { ts: ['libs/dataset/src/stage.ts', 'libs/dataset/src/fingerprint.ts'], python: [] },
    pythonPackages: [],
    reads: {},
    writes: [f.dataYaml, f.provenance, f.fingerprint],
    env: ['COCO_ROOT'],
    runtime: ['node --import tsx libs/dataset/src/fingerprint.ts'],
  },
  hyps: {
    conf: ['hyp.scratch.yaml'],
    code: { ts: ['libs/hyps/src/stage.ts'], python: ['yolo_py.check_args'] },
    pythonPackages: ['ultralytics'],
    reads: {},
    writes: [trainArgsFileName, f.provenance],
  },
  'train-fp16': training('fp16'),
  'train-qat': training('qat'),
  export: {
    conf: ['export.yaml', 'train.yaml'],
    code: { ts: ['libs/export/src/stage.ts'], python: ['yolo_py.export_cli'] },
    pythonPackages: ['torch', 'ultralytics', 'brevitas', 'onnx', 'onnxruntime', 'numpy'],
    reads: { 'train-fp16': [f.bestWeights], 'train-qat': [f.bestWeights] },
    // Both heads of each trained model: the one-to-one (NMS-free) file and the one-to-many file scored with NMS.
    writes: [...Object.values(headOnnxFileName).flatMap((files) => Object.values(files)), f.exportJson, f.exportRequest],
  },
  // Two post-training stages, so that a calibration change (ptq.yaml) reruns the W8A8 branch only.
  'ptq-w4a16': {
    // qat.yaml: the very quantizer settings the QAT run trained with; the opset and imgsz come from export.json.
    conf: ['qat.yaml'],
    code: { ts: ['libs/ptq-w4a16/src/stage.ts'], python: ['yolo_py.ptq_w4a16_cli'] },
    pythonPackages: ['torch', 'ultralytics', 'brevitas', 'onnx', 'onnxruntime', 'numpy'],
    reads: { 'train-fp16': [f.bestWeights], 'train-qat': [f.bestWeights], export: [onnxFileName.qat, f.exportJson] },
    writes: [...Object.values(ptqFiles.w4a16), f.ptqRequest],
  },
  'ptq-w8a8': {
    // preprocess.yaml: the calibration images are letterboxed in the evaluator's style (not eval.yaml: its
    // threads, batch or providers cannot change a calibration); imgsz: the FP16 file's own input size (not
    // export.json, which a QAT change rewrites).
    conf: ['ptq.yaml', 'preprocess.yaml'],
    code: { ts: ['libs/ptq-w8a8/src/stage.ts'], python: ['yolo_py.ptq_w8a8_cli'] },
    pythonPackages: ['onnx', 'onnxruntime', 'numpy'],
    reads: { export: [onnxFileName.fp16], dataset: [f.fingerprint] },
    writes: [...Object.values(ptqFiles.w8a8), calibrationListFileName, f.ptqRequest],
  },
  eval: {
    conf: ['eval.yaml', 'preprocess.yaml'],
    code: { ts: ['libs/eval/src/stage.ts'], python: [] },
    pythonPackages: [],
    // export.json: the input size the files were exported at; run.json: the trainings' final validation, which the
    // fidelity check compares each ONNX file's score with.
    reads: {
      export: ['*.onnx', f.exportJson],
      'ptq-w4a16': ['*.onnx'],
      'ptq-w8a8': ['*.onnx'],
      dataset: [f.fingerprint],
      'train-fp16': [f.runJson],
      'train-qat': [f.runJson],
    },
    writes: [...Object.values(metricsFileName), f.evalJson],
  },
  summary: {
    // The config digest in summary.md covers every section that decides results.
    conf: ['dataset.yaml', 'train.yaml', 'qat.yaml', 'export.yaml', 'ptq.yaml', 'eval.yaml', 'preprocess.yaml', 'hyp.scratch.yaml'],
    code: { ts: ['libs/summary/src/stage.ts'], python: [] },
    pythonPackages: [],
    reads: {
      'train-fp16': [f.runJson, f.resultsCsv],
      'train-qat': [f.runJson, f.resultsCsv],
      export: [f.exportJson],
      'ptq-w4a16': [ptqFiles.w4a16.summary, ptqFiles.w4a16.report],
      'ptq-w8a8': [ptqFiles.w8a8.summary, calibrationListFileName],
      eval: ['*.metrics.json'],
      dataset: [f.provenance],
    },
    // oscillation.png/html: every QAT run records the weight code changes (a run begun before that has no chart).
    writes: [
      f.summaryMd, f.lossPng, f.lossHtml, f.mapPng, f.mapHtml, f.sqnrPng, f.sqnrHtml, f.oscillationPng, f.oscillationHtml,
      ...Object.values(variantLossChart).flatMap((c) => [c.png, c.html]),
    ],
  },
};

/** The stage's code inputs: its import closure less the files that only word its messages (code-closure.ts). */
export function stageCode(root: string, stage: StageName): string[] {
  return codeInputs(root, stages[stage].code);
}

/** The npm packages the stage's code imports, and tsx, which runs it: Nx hashes their installed versions. */
export function stageNpmPackages(root: string, stage: StageName): string[] {
  const imported = stageCode(root, stage).filter((f) => f.endsWith('.ts')).flatMap((f) => tsPackageImports(readFileSync(join(root, f), 'utf8')));
  return [...new Set(['tsx', ...imported])].sort();
}

/** Nx's path of a stage's output folder: the run-root layout with Nx's tokens for the workspace and the run id. */
export function nxOutputPath(stage: StageName): string {
  return stageOutput[stage](runLayout('{options.runId}', join('{workspaceRoot}', 'tmp', experimentName, '{options.runId}')));
}

/**
 * In the folder of a stage cached as 'writes': the Nx task hash it was made under, written by the stage executor
 * (output-stamp.ts), cached and restored with the declared files.
 */
export const outputStampFileName = 'nx-task-hash';

/** What Nx caches and restores of a stage: its folder, or the declared files and the stamp in it. */
export function nxOutputs(stage: StageName): string[] {
  const folder = nxOutputPath(stage);
  return stages[stage].nxCache === 'writes' ? [...stages[stage].writes, outputStampFileName].map((file) => join(folder, file)) : [folder];
}

/** The stages this one depends on directly: those it reads from, less those reached through another of them. */
export function directUpstream(stage: StageName): StageName[] {
  const reads = Object.keys(stages[stage].reads) as StageName[];
  const reachable = (from: StageName): StageName[] => (Object.keys(stages[from].reads) as StageName[]).flatMap((s) => [s, ...reachable(s)]);
  return reads.filter((s) => !reads.some((other) => other !== s && reachable(other).includes(s)));
}

/** The one command that prints a stage's pinned Python packages (an Nx runtime input). */
export const stagePackagesCommand = (stage: StageName): string => `node --import tsx libs/core/src/stage-packages.ts ${stage}`;

type NxInput = string | { runtime: string } | { env: string } | { externalDependencies: string[] } | { dependentTasksOutputFiles: string; transitive?: boolean };

/** The Nx target of a stage, as the plugin adds it to libs/<stage>/project.json. */
export function nxStageTarget(root: string, stage: StageName): {
  inputs: NxInput[];
  outputs: string[];
  dependsOn: Array<{ projects: string[]; target: string; params: 'forward' }>;
  implicitDependencies: string[];
} {
  const d = stages[stage];
  const direct = directUpstream(stage);
  const artifacts = [...new Set(Object.values(d.reads).flat())];
  const inputs: NxInput[] = [
    ...d.conf.map((file) => `{workspaceRoot}/conf/${file}`),
    ...stageCode(root, stage).map((file) => `{workspaceRoot}/${file}`),
    { externalDependencies: stageNpmPackages(root, stage) },
    ...(d.pythonPackages.length ? [{ runtime: stagePackagesCommand(stage) }] : []),
    ...(d.env ?? []).map((env) => ({ env })),
    ...(d.runtime ?? []).map((runtime) => ({ runtime })),
    ...(artifacts.length
      ? [{
          dependentTasksOutputFiles: artifacts.length === 1 ? `**/${artifacts[0]}` : `**/{${artifacts.join(',')}}`,
          // Artifacts of a stage that is not a direct dependency are reached through Nx's transitive walk.
          ...(Object.keys(d.reads).length > direct.length ? { transitive: true } : {}),
        }]
      : []),
  ];
  return {
    inputs,
    outputs: nxOutputs(stage),
    dependsOn: direct.map((s) => ({ projects: [s], target: s, params: 'forward' as const })),
    implicitDependencies: direct,
  };
}
