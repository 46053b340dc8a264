export { convertCocoToYolo, convertAnnotationFile, writeLabelFiles } from './convert-coco.ts';
export { cocoSplits } from './source.ts';
export type { CocoSplit } from './source.ts';
export type {
  ConvertCocoOptions,
  ConvertCocoResult,
  SplitProvenance,
  ConvertAnnotationFileOptions,
  ConvertedAnnotationFile,
} from './convert-coco.ts';
export { generateSyntheticCoco, syntheticDefaults } from './synthetic/generate.ts';
export type { SyntheticCocoOptions, SyntheticCocoResult, SyntheticSplitSummary } from './synthetic/generate.ts';
export { shapeClasses } from './synthetic/shapes.ts';
export { readCocoInstances, loadCocoInstances } from './coco-reader.ts';
export type { CocoAnnotation, CocoCategory, CocoImage, CocoInstances, CocoVisitor, ReadCocoOptions } from './coco-reader.ts';
export { cocoToYoloLabels, labelFileName, yoloRow } from './yolo-labels.ts';
export type { SkipReason, SplitCounts, YoloLabels, YoloRow } from './yolo-labels.ts';
export { cocoClassNames, cocoIdOfYoloClass, yoloClassNames, yoloClassOfCocoId } from './coco-classes.ts';
export { dataYamlText, trainImagesDir, valImagesDir } from './data-yaml.ts';
export { formatPercentG } from './percent-g.ts';
