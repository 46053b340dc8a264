/**
 * Schemas of the dataset stage's JSON: provenance.json and fingerprint.json.
 * Keys are camelCase (artifact keys, whichever side writes them); request.json files are snake_case, the
 * fields of the Python dataclasses that read them. Objects are loose unless a reader refuses unknown keys.
 */
import { z } from 'zod';
import { count } from './count.ts';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 hex digest');

/** A split's counts that readers use (the dataset stage writes more: libs/dataset/src/yolo-labels.ts SplitCounts). */
export const splitCountsSchema = z.looseObject({ images: count, labelledImages: count, backgroundImages: count, annotationsWritten: count });

/** dataset/provenance.json, written by the dataset stage. */
export const datasetProvenanceSchema = z.looseObject({
  source: z.looseObject({ kind: z.enum(['synthetic', 'coco']), root: z.string() }),
  splits: z.record(z.string(), z.looseObject({ annotationFile: z.string(), counts: splitCountsSchema })),
});

/** dataset/fingerprint.json: the digest of the dataset's content that the trainings' and eval's hashes see. */
export const fingerprintJsonSchema = z.strictObject({
  dataYamlSha256: sha256,
  splits: z.record(z.string(), z.strictObject({ annotationSha256: sha256, labelsSha256: sha256, images: count })),
});
