import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withTempDir } from '../../core/src/testing/temp-dir.ts';
import { prepareDataView } from './data-view.ts';

function makeDataset(dir: string): void {
  for (const file of ['images/train2017/a.jpg', 'images/val2017/sub/b.jpg', 'labels/train2017/a.txt', 'labels/val2017/sub/b.txt']) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), file);
  }
  writeFileSync(join(dir, 'data.yaml'), `path: "${dir}"\ntrain: images/train2017\nval: images/val2017\nnames:\n  0: "yes"\n`);
  writeFileSync(join(dir, 'provenance.json'), '{"v":1}');
}

/** Every entry under a folder, as relative paths. */
const tree = (dir: string) => readdirSync(dir, { recursive: true }).map(String).sort();

test("a training reads the dataset through a view it owns: Ultralytics' label caches land there, not in the dataset", async () => {
  await withTempDir(async (dir) => {
    const dataset = join(dir, 'dataset');
    const view = join(dir, '.train-data', 'fp16');
    makeDataset(dataset);
    const before = tree(dataset);
    const dataYaml = await prepareDataView(dataset, view);

    assert.equal(readFileSync(dataYaml, 'utf8'), `path: ${JSON.stringify(view)}\ntrain: images/train2017\nval: images/val2017\nnames:\n  0: "yes"\n`);
    // Ultralytics resolves <path>/images/<split>: it must stay inside the view, or the labels (and the cache
    // written beside them) would be the dataset's again.
    assert.equal(realpathSync(join(view, 'images', 'val2017')), join(view, 'images', 'val2017'));
    assert.equal(readlinkSync(join(view, 'images', 'val2017', 'sub', 'b.jpg')), join(dataset, 'images', 'val2017', 'sub', 'b.jpg'));
    assert.ok(lstatSync(join(view, 'labels')).isDirectory() && !lstatSync(join(view, 'labels')).isSymbolicLink());
    assert.equal(readFileSync(join(view, 'labels', 'val2017', 'sub', 'b.txt'), 'utf8'), 'labels/val2017/sub/b.txt');

    // Where Ultralytics puts the cache: Path(label_files[0]).parent.with_suffix('.cache').
    writeFileSync(join(view, 'labels', 'train2017.cache'), 'cache');
    assert.deepEqual(tree(dataset), before, 'the dataset stage output changed');

    await prepareDataView(dataset, view);
    assert.equal(readFileSync(join(view, 'labels', 'train2017.cache'), 'utf8'), 'cache', 'an unchanged dataset keeps its view and caches');
    writeFileSync(join(dataset, 'provenance.json'), '{"v":2}');
    await prepareDataView(dataset, view);
    assert.ok(!readdirSync(join(view, 'labels')).includes('train2017.cache'), 'a changed dataset gets a fresh view');
    assert.deepEqual(readdirSync(join(dir, '.train-data')), ['fp16'], 'no staging folder left');
  });
});
