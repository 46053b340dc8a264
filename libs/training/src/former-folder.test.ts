import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLayout } from '../../core/src/layout.ts';
import { withTempDir } from '../../core/src/testing/temp-dir.ts';
import { adoptFormerFolder } from './former-folder.ts';

/** A run root as earlier versions left it: the QAT run in qat/, with a periodic checkpoint of days of training. */
function formerQatRun(root: string): string {
  const former = join(root, 'qat');
  mkdirSync(join(former, 'weights'), { recursive: true });
  writeFileSync(join(former, 'weights', 'epoch250.pt'), 'checkpoint');
  return former;
}

test("a run root's former qat/ folder moves to qat-w4a16/ once, in one rename, with a line; fp16/ has no former name", () =>
  withTempDir(async (root) => {
    const layout = runLayout('r', root);
    const former = formerQatRun(root);
    mkdirSync(layout.train.fp16);
    const lines: string[] = [];
    await adoptFormerFolder('qat', layout, (line) => lines.push(line));
    await adoptFormerFolder('fp16', layout, (line) => lines.push(line));
    assert.equal(layout.train.qat, join(root, 'qat-w4a16'));
    assert.equal(readFileSync(join(layout.train.qat, 'weights', 'epoch250.pt'), 'utf8'), 'checkpoint');
    assert.ok(!existsSync(former));
    assert.ok(existsSync(layout.train.fp16));
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, /^moved \S+\/qat to \S+\/qat-w4a16, the training folder's new name$/);
    await adoptFormerFolder('qat', layout, (line) => lines.push(line));
    assert.equal(lines.length, 1, 'moved again');
  }));

test('with both qat/ and qat-w4a16/ it fails naming both and the command for each choice, and moves nothing', () =>
  withTempDir(async (root) => {
    const layout = runLayout('r', root);
    const former = formerQatRun(root);
    mkdirSync(layout.train.qat);
    await assert.rejects(
      adoptFormerFolder('qat', layout, () => assert.fail('nothing is moved')),
      /^UserError: train-qat: (\S+)\/qat is this training's folder under its former name, and \1\/qat-w4a16 exists too; keep one: `rm -rf \1\/qat` keeps the current one, `rm -rf \1\/qat-w4a16` then a rerun moves the former one in$/,
    );
    assert.ok(existsSync(join(former, 'weights', 'epoch250.pt')));
  }));
