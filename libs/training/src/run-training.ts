/**
 * One training stage (train-fp16, train-qat or train-qat-ft): validates its inputs, resumes or starts the Python trainer
 * in the in-progress folder, streams its progress, draws the run's own loss chart (best effort, in a child process:
 * chart code is no input of a training) and moves the finished run into the declared output in one rename.
 */
import { readFile, rm, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { requireArtifact } from '../../core/src/artifacts.ts';
import { keyLocation, loadSection, type Profile } from '../../core/src/config/load.ts';
import type { FinetuneConfig, QatConfig } from '../../core/src/config/schema.ts';
import { UserError } from '../../core/src/errors.ts';
import { artifactFiles, trainArgsFileName, type RunLayout } from '../../core/src/layout.ts';
import { fineTuneVariant, isQuantized, type Variant } from '../../core/src/variants.ts';
import { forwardLine, lastErrorLine, offlineEnv, pythonExitCodes, runPythonModule } from '../../core/src/python.ts';
import { exists, removeStalePartials, removeStaleStaging, replaceDir } from '../../core/src/staging.ts';
import { fromWorkspace } from '../../core/src/workspace.ts';
import { acquireLock, inProgressFiles, planResume, writeRequest } from './in-progress.ts';
import { prepareDataView } from './data-view.ts';
import { adoptFormerFolder } from './former-folder.ts';
import { drawLossChart } from './loss-chart-step.ts';
import { buildTrainRequest, chooseDevice, type Fp16Checkpoint, type TrainRequest } from './request.ts';
import { pinFp16Best, resolveTeacher } from './teacher.ts';


async function readUpstream(layout: RunLayout): Promise<{ dataYaml: string; hyps: Record<string, number> }> {
  const dataYaml = join(layout.dataset, artifactFiles.dataYaml);
  const argsFile = layout.trainArgs;
  await requireArtifact(dataYaml, layout, `the dataset stage has not produced ${artifactFiles.dataYaml}`);
  await requireArtifact(argsFile, layout, `the hyps stage has not produced ${trainArgsFileName}`);
  const hyps = parse(await readFile(argsFile, 'utf8')) as unknown;
  if (typeof hyps !== 'object' || hyps === null || Object.values(hyps).some((v) => typeof v !== 'number')) {
    throw new UserError('expected a mapping of argument -> number', fromWorkspace(argsFile));
  }
  return { dataYaml, hyps: hyps as Record<string, number> };
}

/**
 * The fine-tune's starting checkpoint, train-fp16's best.pt, and its sha256: in the request's recipe digest, so a new
 * FP16 model sets an unfinished fine-tune of the old one aside instead of resuming it. A distilling fine-tune's teacher
 * is that very file, already pinned.
 */
async function fineTuneStart(variant: Variant, layout: RunLayout, teacher: Fp16Checkpoint | null): Promise<Fp16Checkpoint | null> {
  if (variant !== fineTuneVariant) return null;
  return teacher ?? pinFp16Best(layout, 'the fine-tune starts from the FP16 model, which is not trained');
}

interface Upstream {
  dataYaml: string;
  hyps: Record<string, number>;
  qat: QatConfig | null;
  teacher: Fp16Checkpoint | null;
  initFrom: Fp16Checkpoint | null;
  finetune: FinetuneConfig | null;
}

function requestFor(variant: Variant, profile: Profile, layout: RunLayout, upstream: Upstream): TrainRequest {
  return buildTrainRequest({
    variant,
    train: loadSection('train', profile),
    qat: upstream.qat,
    teacher: upstream.teacher,
    resources: loadSection('resources', profile),
    watch: loadSection('watch', profile),
    hyps: upstream.hyps,
    dataYaml: upstream.dataYaml,
    saveDir: layout.trainInProgress[variant],
    initFrom: upstream.initFrom,
    finetune: upstream.finetune,
  });
}

export async function runTrainingStage(variant: Variant, profile: Profile, layout: RunLayout): Promise<void> {
  const upstream = await readUpstream(layout);
  const qat = isQuantized(variant) ? loadSection('qat', profile) : null;
  const teacher = await resolveTeacher(variant, qat, layout);
  const initFrom = await fineTuneStart(variant, layout, teacher);
  const finetune = variant === fineTuneVariant ? loadSection('finetune', profile) : null;
  const files = inProgressFiles(layout.trainInProgress[variant]);
  const release = await acquireLock(files);
  const log = (line: string) => process.stdout.write(`[${variant}] ${line}\n`);
  try {
    await adoptFormerFolder(variant, layout, log);
    await removeStaleStaging(layout.train[variant]); // a finalise killed mid-swap leaves <folder>.old-<pid>-<ms>
    // A finalise killed while writing leaves a partial file in the folder that becomes the output.
    await removeStalePartials(files.dir);
    // Ultralytics reads (and caches labels in) this training's own view of the dataset, never the dataset's output.
    const dataYaml = await prepareDataView(layout.dataset, layout.trainData[variant]);
    const request = requestFor(variant, profile, layout, { ...upstream, dataYaml, qat, teacher, initFrom, finetune });
    const plan = await planResume(files, request);
    if (plan.kind === 'superseded') log(`the recipe changed: the earlier unfinished run was moved to ${fromWorkspace(plan.movedTo)}`);
    if (plan.kind === 'resume') log(`resuming the interrupted run from ${fromWorkspace(plan.checkpoint)}`);
    if (plan.kind !== 'finished') {
      const toRun: TrainRequest = { ...request, resume_from: plan.kind === 'resume' ? plan.checkpoint : null };
      await writeRequest(files, toRun);
      await trainInPython(toRun, profile, files.requestFile, layout.yoloConfig);
    }
    await finalise(variant, files.dir, files.requestFile, layout.train[variant], log);
  } finally {
    await release();
  }
}

async function trainInPython(request: TrainRequest, profile: Profile, requestFile: string, configDir: string): Promise<void> {
  const result = await runPythonModule('yolo_py.train', [requestFile, configDir], {
    env: offlineEnv(configDir),
    what: `train ${request.variant}`,
    onLine: forwardLine,
  });
  if (result.exitCode === 0) return;
  const last = lastErrorLine(result);
  const where = `train-${request.variant}`;
  if (result.exitCode === pythonExitCodes.badInput) throw new UserError(last, where);
  if (result.exitCode === pythonExitCodes.deviceUnavailable) throw new UserError(deviceUnavailable(request, profile, last), where);
  if (result.exitCode === pythonExitCodes.outOfMemory) {
    throw new UserError(`${last}. Lower \`batch\` in conf/train.yaml or imgsz, or train on a larger GPU; the run resumes from its last checkpoint`, where);
  }
  const how = result.signal ? `was stopped by ${result.signal}` : `failed (exit ${result.exitCode})`;
  throw new UserError(
    `training ${how}: ${last || 'see the output above'}. Its state is kept in ${fromWorkspace(request.save_dir)}; run the target again to resume`,
    where,
  );
}

/**
 * Python refused the request's device before training (`found`: what torch sees). Names the profile, the device and
 * where it was set, and how to train on the CPU on purpose: a GPU profile never falls back to it silently.
 */
function deviceUnavailable(request: TrainRequest, profile: Profile, found: string): string {
  const { source } = chooseDevice(request.variant, loadSection('resources', profile));
  const problem = (origin: string) => `the ${profile} profile trains on device '${request.device}' (${origin}), but ${found}`;
  if ('env' in source) return `${problem(source.env)}. To train on the CPU anyway, set ${source.env}=cpu`;
  const { file, keyPath } = keyLocation('resources', profile, source.confKey);
  return `${problem(`${file} ${keyPath}`)}. To train this profile on the CPU anyway, set \`${source.confKey}: cpu\` under profiles.${profile} in ${file}`;
}

/** The request and the loss chart beside the run, then one rename into the declared output (replacing an older result). */
async function finalise(variant: Variant, inProgressDir: string, requestFile: string, finalDir: string, log: (line: string) => void): Promise<void> {
  for (const name of [artifactFiles.runJson, artifactFiles.resultsCsv, artifactFiles.lastWeights, artifactFiles.bestWeights]) {
    if (!(await exists(join(inProgressDir, name)))) {
      throw new UserError(`training ended without writing ${name}`, fromWorkspace(inProgressDir));
    }
  }
  await copyFile(requestFile, join(inProgressDir, artifactFiles.trainRequest));
  // Before the rename, so the chart moves in with the run: drawn after it, a kill mid-chart would leave an output the
  // executor never stamped, which the next run would train again.
  await drawLossChart(variant, inProgressDir, finalDir, log);
  await replaceDir(inProgressDir, finalDir);
  await rm(requestFile, { force: true });
  log(`finished: ${fromWorkspace(finalDir)}`);
}
