import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { findChromium } from './chromium.ts';
import { screenshotLocalPage } from './headless-screenshot.ts';
import { renderLossChart } from './render-loss-chart.ts';
import { syntheticLossSeries } from './testing/synthetic-runs.ts';
import { withTempDir } from '../../core/src/testing/temp-dir.ts';

const runs = [
  { label: 'FP16', epochs: syntheticLossSeries(20, 1) },
  { label: 'W4A16 QAT', epochs: syntheticLossSeries(20, 2, 1.08) },
];

/** How many pixels have exactly this colour, give or take antialiasing (line centres keep the pure colour). */
async function countColour(png: string, hex: string): Promise<number> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  let count = 0;
  for (let i = 0; i < info.width * info.height * 3; i += 3) {
    if (Math.abs(data[i]! - r!) + Math.abs(data[i + 1]! - g!) + Math.abs(data[i + 2]! - b!) < 30) count++;
  }
  return count;
}

test('renders a 2-run x 20-epoch chart to a non-blank PNG and a self-contained HTML page', () =>
  withTempDir(async (dir) => {
    const pngPath = join(dir, 'loss.png');
    const htmlPath = join(dir, 'loss.html');
    const rendered = await renderLossChart({ runs, title: 'FP16 vs W4A16 QAT' }, { pngPath, htmlPath });

    const meta = await sharp(pngPath).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 2800, 1800]);
    assert.deepEqual([rendered.width, rendered.height], [2800, 1800]);
    const stats = await sharp(pngPath).stats();
    assert.ok(stats.channels.every((c) => c.stdev > 10), `blank-looking PNG: stdev ${stats.channels.map((c) => c.stdev.toFixed(1))}`);
    // Both runs' lines were drawn, not only the axes: each run colour covers a fair number of pixels.
    assert.ok((await countColour(pngPath, '#0072B2')) > 5000, 'FP16 lines missing');
    assert.ok((await countColour(pngPath, '#D55E00')) > 5000, 'W4A16 QAT lines missing');

    const html = await readFile(htmlPath, 'utf8');
    assert.match(html, /"name":"FP16 train"/);
    assert.match(html, /"name":"W4A16 QAT val"/);
    assert.ok(html.includes(JSON.stringify(runs[0]!.epochs.train.box)), 'the train box losses are embedded');
    assert.ok(html.includes('Plotly.newPlot'), 'Plotly is inlined and called');
    assert.doesNotMatch(html, /<script[^>]*\bsrc\s*=\s*["']?(https?:)?\/\//i);
    assert.doesNotMatch(html, /<link[^>]*href\s*=\s*["']?https?:/i);
    assert.deepEqual((await readdir(dir)).sort(), ['loss.html', 'loss.png'], 'no temporary files left behind');
  }));

test('a page that reaches for the network fails the screenshot', () =>
  withTempDir(async (dir) => {
    const page = join(dir, 'page.html');
    await writeFile(page, '<!doctype html><img src="http://127.0.0.1:9/pixel.png"><script>window.__ready = "ready";</script>');
    await assert.rejects(
      screenshotLocalPage(page, { executablePath: findChromium(), width: 200, height: 100, deviceScaleFactor: 1, readyGlobal: '__ready' }),
      /tried to reach the network \(blocked\): http:\/\/127\.0\.0\.1:9\/pixel\.png/,
    );
  }));

test('a browser that cannot start leaves neither output nor temporary files', () =>
  withTempDir(async (dir) => {
    const out = join(dir, 'out');
    await assert.rejects(
      renderLossChart({ runs, title: 't' }, { pngPath: join(out, 'loss.png'), htmlPath: join(out, 'loss.html') }, { executablePath: '/bin/false' }),
    );
    assert.deepEqual(await readdir(out), []);
  }));
