/**
 * Fault injection, bounded and local: SIGKILL at a random moment of a random stage of the ci graph, N times,
 * each followed by the same command again; then every output must parse and load (tools/fault-inject/
 * validate-outputs.ts), no process of the workspace may be left 2 s after the kill, and the rerun must exit 0.
 *
 *   node --import tsx tools/fault-inject/run.ts [--trials 30] [--seed 1] [--report tmp/fault-inject.json]
 *
 * It works on a throw-away copy of the workspace (test/workspace.ts). A trial runs one stage, like
 * `nx run train-fp16:train-fp16:ci --skip-nx-cache --exclude-task-dependencies`, in its own process group,
 * and kills that whole group (Nx and what Nx started in it) after a delay drawn uniformly from [0, the
 * stage's measured duration]; upstream outputs are already in place from the first, full run.
 */
import { spawn } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { experimentName } from '../../libs/core/src/layout.ts';
import { nxTarget } from '../../libs/core/src/stage-outputs.ts';
import { stageNames, type StageName } from '../../libs/core/src/stage-registry.ts';
import { seededRandom } from '../../libs/eval/testing/coco/seeded-random.ts';
import { WorkspaceCopy, nxTestEnv } from '../../test/workspace.ts';
import { validateRunRoot } from './validate-outputs.ts';

const stages = stageNames;
type Stage = StageName;

const { values } = parseArgs({ options: { trials: { type: 'string', default: '30' }, seed: { type: 'string', default: '1' }, report: { type: 'string' } }, strict: true });
const trials = Number(values.trials);
const seed = Number(values.seed);
if (!Number.isInteger(trials) || trials < 1 || trials > 1000) throw new Error(`--trials: expected an integer in 1..1000, got ${values.trials}`);
if (!Number.isInteger(seed)) throw new Error(`--seed: expected an integer, got ${values.seed}`);

const ws = new WorkspaceCopy();
const runRoot = ws.path('tmp', experimentName, 'ci');
const python = ws.path('.venv', 'bin', 'python');
const random = seededRandom(seed);
const log = (line: string) => process.stdout.write(`${line}\n`);

interface Run {
  code: number | null;
  seconds: number;
  output: string;
}

/** Nx in a process group of its own; `killAfterMs` SIGKILLs the whole group, as `kill -9 -<pgid>` would. */
function nx(args: string[], killAfterMs?: number): Promise<Run & { killedWhile: string[] }> {
  const started = performance.now();
  const child = spawn(join(ws.root, 'node_modules', '.bin', 'nx'), args, { cwd: ws.root, env: nxTestEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  let killedWhile: string[] = [];
  if (killAfterMs !== undefined) {
    setTimeout(() => {
      killedWhile = ws.processes().filter((p) => /stage\.ts|yolo_py|chrom/.test(p));
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // it had finished already
      }
    }, killAfterMs);
  }
  return new Promise((done) => child.on('close', (code) => done({ code, seconds: (performance.now() - started) / 1000, output, killedWhile })));
}

const stageCommand = (stage: Stage) => ['run', `${nxTarget(stage)}:ci`, '--skip-nx-cache', '--exclude-task-dependencies'];

interface Trial {
  trial: number;
  stage: Stage;
  delayMs: number;
  /** Whether the stage (or its Python/Chromium) was running at the moment of the kill, and not Nx alone. */
  landedInStage: boolean;
  orphansAfter2s: string[];
  rerunCode: number | null;
  rerunSeconds: number;
  problems: string[];
}

async function main(): Promise<void> {
  const report: { seed: number; trials: Trial[]; durations: Record<string, number>; final?: { code: number | null; problems: string[] } } = { seed, trials: [], durations: {} };
  log(`fault injection: ${trials} trials, seed ${seed}, workspace copy ${ws.root}`);
  // First run: each stage once, in graph order, to put every output in place and measure how long each takes.
  for (const stage of stages) {
    const run = await nx(stageCommand(stage));
    if (run.code !== 0) throw new Error(`the first run of ${stage} failed:\n${run.output.slice(-3000)}`);
    report.durations[stage] = run.seconds;
    log(`measured ${stage}: ${run.seconds.toFixed(1)} s`);
  }
  for (let trial = 1; trial <= trials; trial += 1) {
    const stage = random.pick(stages);
    const delayMs = Math.round(random.uniform(0, report.durations[stage]! * 1000));
    const killed = await nx(stageCommand(stage), delayMs);
    await sleep(2000);
    const orphansAfter2s = ws.processes();
    const rerun = await nx(stageCommand(stage));
    const validation = await validateRunRoot(runRoot, python);
    const problems = [...validation.problems, ...(rerun.code === 0 ? [] : [`rerun exited ${rerun.code}: ${lastLines(rerun.output)}`])];
    const result: Trial = { trial, stage, delayMs, landedInStage: killed.killedWhile.length > 0, orphansAfter2s, rerunCode: rerun.code, rerunSeconds: rerun.seconds, problems };
    report.trials.push(result);
    log(
      `trial ${trial}/${trials}: ${stage} killed at ${(delayMs / 1000).toFixed(1)} s${result.landedInStage ? '' : ' (before or after the stage process)'}; ` +
        `orphans ${orphansAfter2s.length}; rerun ${rerun.code} in ${rerun.seconds.toFixed(0)} s; ${validation.files} files checked; problems ${problems.length}` +
        (problems.length || orphansAfter2s.length ? `\n  ${[...orphansAfter2s, ...problems].join('\n  ')}` : ''),
    );
    if (values.report) writeReport(values.report, report);
  }
  // Last, the whole graph from what the trials left: it must finish and its outputs load.
  const final = await nx(['run-many', '-t', 'summary', '-c', 'ci']);
  report.final = { code: final.code, problems: (await validateRunRoot(runRoot, python)).problems };
  log(`final whole-graph run: exit ${final.code}, problems ${report.final.problems.length}`);
  summarise(report.trials);
  if (values.report) writeReport(values.report, report);
}

function lastLines(output: string): string {
  return output.replace(/\x1b\[[0-9;]*m/g, '').trim().split('\n').slice(-6).join(' | ');
}

function writeReport(path: string, report: unknown): void {
  const file = resolve(path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}

function summarise(results: Trial[]): void {
  log('\nstage        kills  in-stage  orphaned  rerun-failed  output-problems');
  for (const stage of stages) {
    const mine = results.filter((r) => r.stage === stage);
    const count = (f: (r: Trial) => boolean) => String(mine.filter(f).length).padStart(8);
    log(`${stage.padEnd(12)} ${String(mine.length).padStart(5)} ${count((r) => r.landedInStage)}  ${count((r) => r.orphansAfter2s.length > 0)}  ${count((r) => r.rerunCode !== 0).padStart(12)}  ${count((r) => r.problems.length > 0).padStart(15)}`);
  }
  const failed = results.filter((r) => r.problems.length > 0 || r.orphansAfter2s.length > 0 || r.rerunCode !== 0);
  log(`trials ${results.length}, failed ${failed.length}`);
  process.exitCode = failed.length > 0 ? 1 : 0;
}

try {
  await main();
} finally {
  ws.remove();
}
