/**
 * The "a finished graph reruns in under 5 s" goal: times `nx run-many -t <target>` on a workspace whose stages
 * are all finished (run the pipeline once first), checks every task was a cache hit, prints a Markdown line.
 *
 *   npx tsx tools/bench/cache/rerun.ts [--target summary] [--configuration demo] [--runs 3]
 */
import { spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { workspaceRoot } from '../../../libs/core/src/workspace.ts';

const { values } = parseArgs({ options: { target: { type: 'string', default: 'summary' }, configuration: { type: 'string' }, runs: { type: 'string', default: '3' } } });
const args = ['nx', 'run-many', '-t', values.target!, ...(values.configuration ? ['-c', values.configuration] : [])];
const times: number[] = [];
for (let i = 0; i < Number(values.runs); i += 1) {
  const started = performance.now();
  const result = spawnSync('npx', args, { cwd: workspaceRoot, encoding: 'utf8', env: { ...process.env, NX_TUI: 'false' } });
  times.push((performance.now() - started) / 1000);
  const output = `${result.stdout}${result.stderr}`;
  const tasks = [...output.matchAll(/✔ {2}nx run (\S+)/g)].length;
  const cached = [...output.matchAll(/✔ {2}nx run \S+ {2}\[(local|remote) cache\]/g)].length;
  if (result.status !== 0 || tasks === 0 || cached !== tasks) {
    process.stderr.write(`run ${i + 1}: ${cached}/${tasks} tasks from the cache (exit ${result.status}); finish the pipeline first\n${output.slice(-2000)}`);
    process.exit(1);
  }
}
const sortedTimes = [...times].sort((a, b) => a - b);
process.stdout.write(
  [
    `command: npx ${args.join(' ')} (${values.runs} runs, every task a cache hit)`,
    `machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; ${new Date().toISOString()}`,
    `| wall time median | min | max | goal |`,
    `| --- | --- | --- | --- |`,
    `| ${sortedTimes[Math.floor(sortedTimes.length / 2)]!.toFixed(2)} s | ${sortedTimes[0]!.toFixed(2)} s | ${sortedTimes.at(-1)!.toFixed(2)} s | < 5 s |`,
    '',
  ].join('\n'),
);
