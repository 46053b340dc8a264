/**
 * The dataset stage: COCO2017 on disk (profile coco) or generated shapes in COCO layout (profile demo) ->
 * <run-root>/dataset: images/ (links), labels/, data.yaml, provenance.json, and fingerprint.json (the
 * content identity the training stages hash: no times, so an identical rebuild reruns nothing downstream).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { loadSection, type Profile } from '../../core/src/config/load.ts';
import { sha256Text } from '../../core/src/hashing.ts';
import { fingerprintJsonSchema } from '../../core/src/schemas/dataset.ts';
import { artifactFiles } from '../../core/src/layout.ts';
import { runStageMain } from '../../core/src/stage-args.ts';
import { writeDirAtomically } from '../../core/src/staging.ts';
import { fromWorkspace } from '../../core/src/workspace.ts';
import { convertCocoToYolo, generateSyntheticCoco, type ConvertCocoResult } from './index.ts';
import { resolveSource, type DatasetSource } from './source.ts';

export async function runDatasetStage(profile: Profile, outDir: string): Promise<ConvertCocoResult> {
  const source = resolveSource(loadSection('dataset', profile));
  const started = performance.now();
  return writeDirAtomically(outDir, async (staging) => {
    let cocoRoot: string;
    let synthetic: unknown = null;
    if (source.kind === 'synthetic') {
      // Inside the stage output, so the Nx cache restores the generated images with their links.
      cocoRoot = join(staging, artifactFiles.syntheticSource);
      const { seed, trainImages, valImages, minSide, maxSide } = source.settings;
      const generated = await generateSyntheticCoco({ root: cocoRoot, seed, trainImages, valImages, minSide, maxSide });
      synthetic = { settings: source.settings, categories: generated.categories, splits: generated.splits };
    } else {
      cocoRoot = source.root;
    }
    const result = await convertCocoToYolo({ cocoRoot, outDir: staging, datasetPath: outDir });
    const fingerprint = fingerprintJsonSchema.parse(await contentFingerprint(staging, result));
    await writeFile(join(staging, artifactFiles.fingerprint), `${JSON.stringify(fingerprint, null, 2)}\n`);
    await writeFile(join(staging, artifactFiles.provenance), `${JSON.stringify(provenance(source, result, synthetic, staging, outDir, started), null, 2)}\n`);
    return result;
  });
}

/** Digest of every label file (name and bytes) of a split, read back from disk in a fixed order. */
async function labelsDigest(labelsDir: string): Promise<string> {
  const hash = createHash('sha256');
  const names = (await readdir(labelsDir, { recursive: true })).filter((n) => n.endsWith('.txt')).sort();
  for (const name of names) {
    hash.update(`${name}\0`);
    hash.update(await readFile(join(labelsDir, name)));
  }
  return hash.digest('hex');
}

async function contentFingerprint(staging: string, result: ConvertCocoResult) {
  const splits: Record<string, unknown> = {};
  for (const [split, info] of Object.entries(result.splits)) {
    splits[split] = { annotationSha256: info.annotationSha256, labelsSha256: await labelsDigest(join(staging, artifactFiles.labelsDir, split)), images: info.counts.images };
  }
  return { dataYamlSha256: sha256Text(await readFile(join(staging, artifactFiles.dataYaml))), splits };
}

function provenance(source: DatasetSource, result: ConvertCocoResult, synthetic: unknown, staging: string, outDir: string, started: number) {
  const inOutput = (path: string) => (path.startsWith(staging) ? join(outDir, relative(staging, path)) : path);
  return {
    source: source.kind === 'coco' ? { kind: 'coco', root: source.root } : { kind: 'synthetic', root: join(outDir, artifactFiles.syntheticSource), ...(synthetic as object) },
    splits: Object.fromEntries(
      Object.entries(result.splits).map(([split, info]) => [
        split,
        { ...info, annotationFile: inOutput(info.annotationFile), imagesDir: inOutput(info.imagesDir) },
      ]),
    ),
    classes: result.names.length,
    tools: { node: process.versions.node, sharp: sharp.versions.sharp, converter: 'libs/dataset (Ultralytics convert_coco semantics, cls91to80)' },
    elapsedSeconds: Number(((performance.now() - started) / 1000).toFixed(3)),
    createdAt: new Date().toISOString(),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runStageMain(async (profile, layout) => {
    const result = await runDatasetStage(profile, layout.dataset);
    const line = Object.entries(result.splits)
      .map(([split, info]) => `${split}: ${info.counts.images} images, ${info.counts.annotationsWritten} boxes`)
      .join('; ');
    process.stdout.write(`dataset: ${line} -> ${fromWorkspace(layout.dataset)}\n`);
  });
}
