import { closeSync, mkdirSync, openSync, opendirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fsUserError, UserError } from '../../core/src/errors.ts';
import { sha256File } from '../../core/src/hashing.ts';
import { artifactFiles } from '../../core/src/layout.ts';
import { yoloClassNames } from './coco-classes.ts';
import { loadCocoInstances, type CocoCategory, type CocoImage } from './coco-reader.ts';
import { dataYamlText } from './data-yaml.ts';
import { countProgress, logToStderr, parseProgress, type Log } from './progress.ts';
import { cocoSplitSource, cocoSplits, type CocoSplit } from './source.ts';
import { cocoToYoloLabels, type SplitCounts } from './yolo-labels.ts';

export interface ConvertCocoOptions {
  /** Folder holding train2017/, val2017/ and annotations/instances_{train,val}2017.json. */
  cocoRoot: string;
  /** Folder to write images/, labels/ and data.yaml into (it may be a staging folder). */
  outDir: string;
  /** Absolute dataset root written into data.yaml; default: outDir. Pass the final folder when outDir is a staging folder. */
  datasetPath?: string;
  log?: Log;
}

export interface SplitProvenance {
  split: CocoSplit;
  annotationFile: string;
  annotationSha256: string;
  annotationBytes: number;
  imagesDir: string;
  counts: SplitCounts;
}

export interface ConvertCocoResult {
  cocoRoot: string;
  dataYaml: string;
  /** data.yaml's class names, index = YOLO class. */
  names: string[];
  splits: Record<CocoSplit, SplitProvenance>;
  elapsedSeconds: number;
}

/**
 * Turns a COCO2017 layout into the YOLO layout Ultralytics trains on: images/<split>/<file> as symlinks
 * to the source images (never copies; see linkTarget), labels/<split>/*.txt as Ultralytics' convert_coco would write them,
 * and data.yaml. Everything is checked before anything is written for a split; a missing folder, file or
 * image is a UserError naming it.
 */
export async function convertCocoToYolo(options: ConvertCocoOptions): Promise<ConvertCocoResult> {
  const started = performance.now();
  const log = options.log ?? logToStderr;
  const cocoRoot = resolve(options.cocoRoot);
  const outDir = resolve(options.outDir);
  const sources = locateCocoSources(cocoRoot);

  const splits = {} as Record<CocoSplit, SplitProvenance>;
  const declared: Array<{ file: string; categories: CocoCategory[] }> = [];
  for (const split of cocoSplits) {
    const { annotationFile, imagesDir } = sources[split];
    const annotationSha256 = await sha256File(annotationFile);
    const converted = convertAnnotationFile({ annotationFile, labelsDir: join(outDir, artifactFiles.labelsDir, split), log, imagesDir });
    linkImages(converted.images, imagesDir, join(outDir, artifactFiles.imagesDir, split), outDir, log);
    declared.push({ file: annotationFile, categories: converted.categories });
    splits[split] = { split, annotationFile, annotationSha256, annotationBytes: statSync(annotationFile).size, imagesDir, counts: converted.counts };
    log(`dataset: ${split}: ${describeCounts(converted.counts)}`);
  }

  const names = yoloClassNames(declared);
  const dataYaml = join(outDir, artifactFiles.dataYaml);
  await writeFile(dataYaml, dataYamlText(resolve(options.datasetPath ?? outDir), names));
  return { cocoRoot, dataYaml, names, splits, elapsedSeconds: (performance.now() - started) / 1000 };
}

export interface ConvertAnnotationFileOptions {
  annotationFile: string;
  /** Folder receiving the label files (created). */
  labelsDir: string;
  /** When given, every listed image must exist in it; checked before any label is written. */
  imagesDir?: string;
  log?: Log;
}

export interface ConvertedAnnotationFile {
  counts: SplitCounts;
  images: CocoImage[];
  categories: CocoCategory[];
}

/** Reads one instances file and writes its YOLO label files; labels only, images untouched. */
export function convertAnnotationFile(options: ConvertAnnotationFileOptions): ConvertedAnnotationFile {
  const log = options.log ?? logToStderr;
  const { annotationFile, labelsDir } = options;
  const data = loadCocoInstances(annotationFile, { onProgress: parseProgress(log, annotationFile) });
  const labels = cocoToYoloLabels(data, annotationFile);
  if (options.imagesDir !== undefined) checkImagesExist(data.images, options.imagesDir, annotationFile);
  writeLabelFiles(labels.files, labelsDir, log);
  return { counts: labels.counts, images: data.images, categories: data.categories };
}

function locateCocoSources(cocoRoot: string): Record<CocoSplit, { annotationFile: string; imagesDir: string }> {
  requireKind(cocoRoot, 'directory', 'the COCO root folder does not exist (expected train2017/, val2017/ and annotations/ in it)', 'the COCO root folder');
  const sources = {} as Record<CocoSplit, { annotationFile: string; imagesDir: string }>;
  for (const split of cocoSplits) {
    const { annotationFile, imagesDir } = cocoSplitSource(cocoRoot, split);
    requireKind(imagesDir, 'directory', `the ${split} image folder does not exist`, `the ${split} image folder`);
    requireKind(annotationFile, 'file', `the ${split} annotation file does not exist`, `the ${split} annotation file`);
    sources[split] = { annotationFile, imagesDir };
  }
  return sources;
}

/** Checks that `path` is a readable file or folder before anything is written; each problem names the path. */
function requireKind(path: string, kind: 'file' | 'directory', missing: string, what: string): void {
  try {
    const stats = statSync(path, { throwIfNoEntry: false });
    if (!stats) throw new UserError(missing, path);
    if (kind === 'file' ? !stats.isFile() : !stats.isDirectory()) throw new UserError(`expected a ${kind} here`, path);
    // Opened once here, so an unreadable file or folder fails now with its name, not later inside a read.
    if (kind === 'file') closeSync(openSync(path, 'r'));
    else opendirSync(path).closeSync();
  } catch (error) {
    throw fsUserError(error, path, what);
  }
}

function checkImagesExist(images: readonly CocoImage[], imagesDir: string, annotationFile: string): void {
  const present = new Set(readdirSync(imagesDir)); // one listing instead of 118k stat calls
  images.forEach((image, index) => {
    const found = image.fileName.includes('/') ? statSync(join(imagesDir, image.fileName), { throwIfNoEntry: false }) !== undefined : present.has(image.fileName);
    if (!found) {
      throw new UserError(`images[${index}] (id ${image.id}): image file ${JSON.stringify(image.fileName)} is not in ${imagesDir}`, annotationFile);
    }
  });
}

/** Writes label files (relative path -> text) under labelsDir, creating folders as needed. */
export function writeLabelFiles(files: ReadonlyMap<string, string>, labelsDir: string, log: Log = logToStderr): void {
  const progress = countProgress(log, 'label files written:', files.size);
  const made = new Set<string>();
  mkdirSync(labelsDir, { recursive: true });
  let done = 0;
  for (const [name, text] of files) {
    const path = join(labelsDir, name);
    ensureParent(path, labelsDir, made);
    writeFileSync(path, text);
    progress(++done);
  }
}

/**
 * Links point at the source image. A source inside the output folder (the demo's generated images) gets a
 * relative link, so the folder stays valid after its staging folder is renamed into place and when Nx
 * restores it from the cache; a source outside (COCO on disk) gets an absolute one.
 */
function linkTarget(target: string, link: string, outDir: string): string {
  return target.startsWith(`${outDir}/`) ? relative(dirname(link), target) : target;
}

function linkImages(images: readonly CocoImage[], sourceDir: string, linkDir: string, outDir: string, log: Log): void {
  const progress = countProgress(log, 'image links made:', images.length);
  const made = new Set<string>();
  mkdirSync(linkDir, { recursive: true });
  images.forEach((image, index) => {
    const link = join(linkDir, image.fileName);
    ensureParent(link, linkDir, made);
    symlinkSync(linkTarget(join(sourceDir, image.fileName), link, outDir), link);
    progress(index + 1);
  });
}

/** file_name may contain folders (validated to stay inside); create each once. */
function ensureParent(path: string, root: string, made: Set<string>): void {
  const parent = dirname(path);
  if (parent === root || made.has(parent)) return;
  mkdirSync(parent, { recursive: true });
  made.add(parent);
}

function describeCounts(counts: SplitCounts): string {
  const skipped = Object.entries(counts.skipped)
    .filter(([, n]) => n > 0)
    .map(([reason, n]) => `${n} ${reason}`)
    .join(', ');
  return (
    `${counts.images} images (${counts.labelledImages} labelled, ${counts.backgroundImages} background), ` +
    `${counts.annotationsWritten} of ${counts.annotations} annotations written${skipped ? ` (skipped: ${skipped})` : ''}`
  );
}
