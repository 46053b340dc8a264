/**
 * Benchmarks COCO -> YOLO label conversion at instances_train2017 scale: this project's streaming
 * converter against Ultralytics' convert_coco on the same generated file, in wall time and peak RSS,
 * and checks that both wrote the same label files.
 *
 *   npx tsx tools/bench/dataset/bench.ts [--annotations N] [--images N] [--keep]
 *
 * Defaults match instances_train2017.json (860,001 annotations on 118,287 images, ~450 MB); --images
 * defaults to the same ratio for smaller --annotations. Files go to os.tmpdir() and are removed unless --keep.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runMain, UserError } from '../../../libs/core/src/errors.ts';
import { projectPython } from '../../../libs/core/src/python-env.ts';
import { writeInstancesFile } from './make-instances.ts';

const cocoTrainAnnotations = 860_001;
const cocoTrainImages = 118_287;

interface Measurement {
  wallSeconds: number;
  /** User + system CPU seconds (from /usr/bin/time; NaN without it): steadier than wall time on a busy machine. */
  cpuSeconds: number;
  peakRssMiB: number;
  stdout: string;
}

runMain(async () => {
  const { values } = parseArgs({
    options: { annotations: { type: 'string' }, images: { type: 'string' }, keep: { type: 'boolean', default: false } },
  });
  const annotations = positive(values.annotations ?? String(cocoTrainAnnotations), '--annotations');
  const images = positive(values.images ?? String(Math.max(1, Math.round((annotations * cocoTrainImages) / cocoTrainAnnotations))), '--images');
  const dir = mkdtempSync(join(tmpdir(), 'dataset-bench-'));
  try {
    const annotationsDir = join(dir, 'annotations');
    mkdirSync(annotationsDir);
    const annotationFile = join(annotationsDir, 'instances_train2017.json');
    log(`generating ${annotations} annotations on ${images} images into ${annotationFile}`);
    const generated = timed(() => writeInstancesFile(annotationFile, { images, annotations }));
    log(`generated ${mib(generated.value.bytes)} MiB in ${generated.seconds.toFixed(1)} s`);

    log('running this project\'s converter');
    const ours = await measure(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'convert-labels.ts'), annotationFile, join(dir, 'ours', 'train2017')]);
    log(`done in ${ours.wallSeconds.toFixed(1)} s, peak RSS ${ours.peakRssMiB.toFixed(0)} MiB`);

    log("running Ultralytics' convert_coco");
    const ultralyticsScript = [
      'import sys',
      'from ultralytics.data.converter import convert_coco',
      'convert_coco(sys.argv[1], sys.argv[2], use_segments=False, use_keypoints=False, cls91to80=True)',
    ].join('\n');
    const configDir = join(dir, 'yolo-config');
    const theirs = await measure(projectPython, ['-c', ultralyticsScript, annotationsDir, join(dir, 'ultralytics')], {
      YOLO_OFFLINE: 'true',
      YOLO_AUTOINSTALL: 'false',
      YOLO_CONFIG_DIR: configDir,
    });
    log(`done in ${theirs.wallSeconds.toFixed(1)} s, peak RSS ${theirs.peakRssMiB.toFixed(0)} MiB`);

    log('comparing the label files');
    const comparison = compareTrees(join(dir, 'ours', 'train2017'), join(dir, 'ultralytics', 'labels', 'train2017'));
    const report = JSON.parse(ours.stdout.trim().split('\n').at(-1)!) as {
      counts: { annotationsWritten: number; labelFiles: number };
      seconds: Record<'parse' | 'convert' | 'write', { wall: number; cpu: number }>;
    };
    const { counts, seconds } = report;

    const command = `npx tsx tools/bench/dataset/bench.ts${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`;
    const cpu = cpus();
    const lines = [
      `### COCO -> YOLO label conversion, ${annotations.toLocaleString('en-US')} annotations on ${images.toLocaleString('en-US')} images (${mib(generated.value.bytes)} MiB)`,
      '',
      `- command: \`${command}\``,
      `- machine: ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory; load average ${loadAverage()}`,
      `- date: ${new Date().toISOString()}; node ${process.version}; peak RSS from ${existsSync('/usr/bin/time') ? '/usr/bin/time -v' : '/proc/<pid>/status VmHWM'}`,
      `- output: ${counts.labelFiles.toLocaleString('en-US')} label files, ${counts.annotationsWritten.toLocaleString('en-US')} rows; ` +
        `identical to Ultralytics' files: ${comparison.identical ? 'yes' : `NO (${comparison.detail})`}`,
      `- this project's phases, wall / CPU seconds: parse ${phase(seconds.parse)} (${(generated.value.bytes / 2 ** 20 / seconds.parse.cpu).toFixed(0)} MiB per CPU second), ` +
        `convert ${phase(seconds.convert)}, write ${counts.labelFiles.toLocaleString('en-US')} files ${phase(seconds.write)}; the rest is process start-up`,
      '',
      '| converter | wall time (s) | CPU time (s) | peak RSS (MiB) | throughput (MiB/s of wall time) |',
      '|---|---:|---:|---:|---:|',
      row('libs/dataset convertAnnotationFile (streaming, Node)', ours, generated.value.bytes),
      row('Ultralytics convert_coco (json.load, Python)', theirs, generated.value.bytes),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (!comparison.identical) process.exitCode = 1;
  } finally {
    if (values.keep) log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
});

function phase({ wall, cpu }: { wall: number; cpu: number }): string {
  return `${wall.toFixed(1)} / ${cpu.toFixed(1)}`;
}

function row(name: string, measurement: Measurement, bytes: number): string {
  const { wallSeconds, cpuSeconds, peakRssMiB } = measurement;
  return `| ${name} | ${wallSeconds.toFixed(1)} | ${Number.isNaN(cpuSeconds) ? 'n/a' : cpuSeconds.toFixed(1)} | ${peakRssMiB.toFixed(0)} | ${(bytes / 2 ** 20 / wallSeconds).toFixed(1)} |`;
}

/** Runs a command to completion; wall time from here, peak RSS from /usr/bin/time -v or by polling VmHWM. */
async function measure(command: string, args: string[], env: Record<string, string> = {}): Promise<Measurement> {
  const useTime = existsSync('/usr/bin/time');
  const [file, argv] = useTime ? ['/usr/bin/time', ['-v', command, ...args]] : [command, args];
  const started = performance.now();
  const child = spawn(file, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (!useTime) process.stderr.write(chunk);
  });
  let polledKiB = 0;
  const poller = useTime
    ? undefined
    : setInterval(() => {
        const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, { encoding: 'utf8', flag: 'r' }));
        if (match) polledKiB = Math.max(polledKiB, Number(match[1]));
      }, 50);
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const wallSeconds = (performance.now() - started) / 1000;
  if (poller) clearInterval(poller);
  if (exitCode !== 0) throw new UserError(`exited with ${exitCode}:\n${stderr.slice(-4000)}`, `${command} ${args.join(' ')}`);
  const timeField = (name: string): number => Number(new RegExp(`${name}: ([\\d.]+)`).exec(stderr)?.[1] ?? NaN);
  const peakKiB = useTime ? timeField('Maximum resident set size \\(kbytes\\)') : polledKiB;
  const cpuSeconds = timeField('User time \\(seconds\\)') + timeField('System time \\(seconds\\)');
  return { wallSeconds, cpuSeconds, peakRssMiB: peakKiB / 1024, stdout };
}

/** Same relative paths with the same bytes under both folders. */
function compareTrees(a: string, b: string): { identical: boolean; detail: string } {
  const listA = listFiles(a);
  const listB = listFiles(b);
  if (listA.length !== listB.length) return { identical: false, detail: `${listA.length} vs ${listB.length} files` };
  for (let i = 0; i < listA.length; i++) {
    if (listA[i] !== listB[i]) return { identical: false, detail: `${listA[i]} vs ${listB[i]}` };
    if (!readFileSync(join(a, listA[i]!)).equals(readFileSync(join(b, listB[i]!)))) return { identical: false, detail: `${listA[i]} differs` };
  }
  return { identical: true, detail: '' };
}

function listFiles(root: string): string[] {
  return readdirSync(root, { recursive: true })
    .map(String)
    .filter((path) => statSync(join(root, path)).isFile())
    .sort();
}

function timed<T>(work: () => T): { value: T; seconds: number } {
  const started = performance.now();
  const value = work();
  return { value, seconds: (performance.now() - started) / 1000 };
}

function positive(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new UserError(`expected a positive integer, got ${JSON.stringify(text)}`, flag);
  return value;
}

function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'unknown';
  }
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(0);
}

function log(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}
