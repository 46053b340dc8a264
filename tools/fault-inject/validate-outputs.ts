/**
 * Checks that everything a run root holds parses and loads, as a user (or the next stage) would read it: every
 * JSON and YAML file, every ONNX model (onnxruntime-node), every checkpoint (torch.load in the workspace venv),
 * each results.csv (one row per epoch, none twice), each stage's declared files and JSON artifacts against their
 * schemas (artifact-checks.ts: the PTQ stages' too, which must hold nothing else). Also reports what a killed stage must not leave behind
 * once a rerun succeeded: staging folders, partial files, training locks.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, lstatSync } from 'node:fs';
import { join, relative } from 'node:path';
import ort from 'onnxruntime-node';
import { parse as parseYaml } from 'yaml';
import { pythonPackageRoot } from '../../libs/core/src/python.ts';
import { stageOutputProblems } from './artifact-checks.ts';

export interface Validation {
  files: number;
  problems: string[];
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isSymbolicLink()) return []; // dataset image links: the images are the source's
    return entry.isDirectory() ? walk(path) : [path];
  });
}

const leftovers = /(\.staging-\d+-\d+|\.old-\d+-\d+|\.partial(\.[^/]*)?|\.lock)$/;

export async function validateRunRoot(runRoot: string, python: string): Promise<Validation> {
  const problems: string[] = [];
  const files = walk(runRoot).filter((f) => !relative(runRoot, f).startsWith('.yolo-config'));
  const checkpoints: string[] = [];
  for (const file of files) {
    const name = relative(runRoot, file);
    if (name.split('/').some((part) => leftovers.test(part))) problems.push(`${name}: left behind by a killed stage`);
    try {
      if (file.endsWith('.json')) JSON.parse(readFileSync(file, 'utf8'));
      else if (file.endsWith('.yaml')) parseYaml(readFileSync(file, 'utf8'));
      else if (file.endsWith('.onnx')) await (await ort.InferenceSession.create(file)).release();
      else if (file.endsWith('.pt')) checkpoints.push(file);
      else if (file.endsWith('results.csv')) problems.push(...epochProblems(name, readFileSync(file, 'utf8')));
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  for (const dir of readdirSync(runRoot)) {
    if (/\.(staging|old)-\d+-\d+$/.test(dir) && lstatSync(join(runRoot, dir)).isDirectory()) problems.push(`${dir}: staging folder left behind`);
  }
  problems.push(...stageOutputProblems(runRoot));
  problems.push(...loadCheckpoints(checkpoints, runRoot, python));
  return { files: files.length, problems: [...new Set(problems)] };
}

/** results.csv: the epoch column holds each epoch once, in order. */
export function epochProblems(name: string, text: string): string[] {
  const [header, ...rows] = text.trim().split('\n');
  const column = (header ?? '').split(',').map((c) => c.trim()).indexOf('epoch');
  if (column < 0) return [`${name}: no epoch column`];
  const epochs = rows.map((row) => Number(row.split(',')[column]));
  const problems: string[] = [];
  if (new Set(epochs).size !== epochs.length) problems.push(`${name}: an epoch appears twice (${epochs.join(' ')})`);
  if (epochs.some((e, i) => i > 0 && e <= epochs[i - 1]!)) problems.push(`${name}: epochs out of order (${epochs.join(' ')})`);
  if (epochs.some((e) => !Number.isInteger(e))) problems.push(`${name}: a row without an epoch number`);
  return problems;
}

/** torch.load of each checkpoint in one Python process; paths travel as argv, never through a shell. */
function loadCheckpoints(paths: string[], runRoot: string, python: string): string[] {
  if (paths.length === 0) return [];
  const script = [
    'import sys, torch',
    'for p in sys.argv[1:]:',
    '    try:',
    "        torch.load(p, map_location='cpu', weights_only=False)",
    '    except Exception as e:',
    "        print(p + ': ' + (str(e).splitlines() or [type(e).__name__])[0])",
  ].join('\n');
  const out = execFileSync(python, ['-c', script, ...paths], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: pythonPackageRoot } });
  return out.split('\n').filter(Boolean).map((line) => line.replace(`${runRoot}/`, ''));
}
