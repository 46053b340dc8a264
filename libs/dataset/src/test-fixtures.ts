/**
 * A hand-made COCO instances file with the cases label conversion must get right: crowd, zero-size,
 * negative-size, out-of-image and duplicate boxes, rows that print alike but differ in value, an image
 * without annotations and one with only a crowd box, COCO's non-contiguous category ids, numbers written
 * in exponent form, %g rounding ties, file names with folders and dots, and top-level and record keys
 * out of their usual order. Every category used is one of the 80, so Ultralytics' converter accepts it.
 */
export function handmadeInstancesJson(): string {
  const annotations = [
    // image 1 (640x480)
    { id: 1, image_id: 1, category_id: 1, bbox: [10, 20, 30, 40], iscrowd: 0, area: 1200, segmentation: [[10, 20, 40, 20, 40, 60]] },
    { id: 2, image_id: 1, category_id: 1, bbox: [0, 0, 640, 480], iscrowd: 1, segmentation: { counts: [0, 307200], size: [480, 640] } },
    { id: 3, image_id: 2, category_id: 13, bbox: [0.123456789, 1.5, 249.99, 100.25], iscrowd: 0 },
    { id: 4, image_id: 1, category_id: 18, bbox: [5, 5, 0, 10] },
    { id: 5, image_id: 1, category_id: 18, bbox: [5, 5, 10, -1], iscrowd: false },
    { id: 6, image_id: 1, category_id: 18, bbox: [600, 450, 100, 80] },
    { id: 7, image_id: 1, category_id: 27, bbox: [-20, -10, 50, 40] },
    { id: 8, image_id: 1, category_id: 1, bbox: [10, 20, 30, 40], iscrowd: 0 },
    { id: 9, image_id: 1, category_id: 18, bbox: [10, 20, 30, 40] },
    { id: 10, image_id: 1, category_id: 1, bbox: [10, 20, 30, 40.0000000001] },
    // image 2 (500x375)
    { id: 11, image_id: 2, category_id: 90, bbox: [499, 374, 1, 1] },
    { id: 12, image_id: 2, category_id: 44, bbox: [0.001, 0.002, 0.0003, 0.0004] },
    { id: 13, image_id: 2, category_id: 67, bbox: [250, 187.5, 250, 187.5] },
    { id: 14, image_id: 2, category_id: 65, bbox: [1 / 3, 2 / 3, 100 / 7, 200 / 9] },
    // image 4: a crowd box only, so an empty label file
    { id: 15, image_id: 4, category_id: 1, bbox: [1, 1, 50, 50], iscrowd: 1 },
    // image 5 (1024x1024): normalised values that are exact %g rounding ties
    { id: 16, image_id: 5, category_id: 1, bbox: [0, 0, 1, 1] },
    { id: 17, image_id: 5, category_id: 1, bbox: [1, 1, 3, 3] },
    { id: 18, image_id: 5, category_id: 1, bbox: [0, 0, 0.25, 0.25] },
    { id: 19, image_id: 5, category_id: 1, bbox: [1023.5, 0.5, 1024, 2048] },
    // image 7 (3x7): boxes far larger than the image
    { id: 20, image_id: 581929, category_id: 90, bbox: [0, 0, 3, 7] },
    { id: 21, image_id: 581929, category_id: 90, bbox: [1, 1, 350, 700] },
  ];
  const images = [
    { id: 1, file_name: '000000000001.jpg', width: 640, height: 480, coco_url: 'http://images.cocodataset.org/val2017/000000000001.jpg' },
    { id: 2, file_name: '000000000002.jpg', width: 500, height: 375 },
    { id: 3, file_name: '000000000003.jpg', width: 320, height: 240 },
    { id: 4, file_name: '000000000004.jpg', width: 100, height: 100 },
    { id: 5, file_name: 'sub/dir/000000000005.jpg', width: 1024, height: 1024 },
    { id: 6, file_name: '000000000006.png', width: 333, height: 777 },
    { id: 581929, file_name: 'name.with.dots.jpg', width: 3, height: 7 },
  ];
  const categories = [
    { supercategory: 'person', id: 1, name: 'person' },
    { id: 12, name: 'street sign' },
    { id: 13, name: 'stop sign' },
    { id: 18, name: 'dog' },
    { id: 27, name: 'backpack' },
    { id: 44, name: 'bottle' },
    { id: 65, name: 'bed' },
    { id: 67, name: 'dining table' },
    { id: 90, name: 'toothbrush' },
  ];
  // Image 6's box is spliced in as text to keep JSON exponent forms that JSON.stringify would normalise.
  const exponentForms = '{"bbox": [1E+1, 2.5e0, 3.33e1, 7.77E2], "category_id": 18, "image_id": 6, "id": 22}';
  const annotationsText = `[${annotations.map((a) => JSON.stringify(a)).join(',\n  ')},\n  ${exponentForms}]`;
  return `{"annotations": ${annotationsText},\n"info": {"description": "hand-made"},\n"images": ${JSON.stringify(images)},\n"categories": ${JSON.stringify(categories)}}\n`;
}

/** The label files Ultralytics' convert_coco writes for handmadeInstancesJson(), checked by hand. */
export const handmadeExpectedLabels: Record<string, string> = {
  '000000000001.txt':
    '0 0.0390625 0.0833333 0.046875 0.0833333\n' +
    '16 1.01562 1.02083 0.15625 0.166667\n' +
    '24 0.0078125 0.0208333 0.078125 0.0833333\n' +
    '16 0.0390625 0.0833333 0.046875 0.0833333\n' +
    '0 0.0390625 0.0833333 0.046875 0.0833333\n',
};
