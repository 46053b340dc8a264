/** Folders data.yaml points Ultralytics at, relative to its `path`. */
export const trainImagesDir = 'images/train2017';
export const valImagesDir = 'images/val2017';

/**
 * The data.yaml Ultralytics trains on as is: an absolute dataset root, the two image folders (Ultralytics
 * finds each image's labels by swapping /images/ for /labels/ in its path) and the class names as a
 * mapping from class index to name.
 *
 * Strings are written double-quoted (JSON's escapes are valid YAML), so that no name is read back as
 * something else: PyYAML follows YAML 1.1, where an unquoted yes, off or 1e3 is not a string.
 */
export function dataYamlText(datasetPath: string, names: readonly string[]): string {
  const lines = [
    '# YOLO dataset written by the dataset stage from COCO instances files (see provenance.json)',
    `path: ${JSON.stringify(datasetPath)}`,
    `train: ${trainImagesDir}`,
    `val: ${valImagesDir}`,
    'names:',
    ...names.map((name, index) => `  ${index}: ${JSON.stringify(name)}`),
  ];
  return `${lines.join('\n')}\n`;
}
