import { basename, dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runMain, UserError } from '../../core/src/errors.ts';
import { readResultsCsv } from './results-csv.ts';
import { renderLossChart } from './render-loss-chart.ts';

const USAGE =
  'usage: tsx libs/chart/src/cli.ts --results <results.csv> [--results <results.csv> ...] [--labels A,B] ' +
  '--png <loss.png> --html <loss.html> [--title <title>]';

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        results: { type: 'string', multiple: true },
        labels: { type: 'string' },
        png: { type: 'string' },
        html: { type: 'string' },
        title: { type: 'string', default: 'Training and validation losses' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UserError(`${(error as Error).message}\n${USAGE}`, 'command line');
  }
  const results = values.results ?? [];
  if (results.length === 0 || !values.png || !values.html) {
    throw new UserError(`--results, --png and --html are required\n${USAGE}`, 'command line');
  }
  // Without --labels each run is named after the folder holding its results.csv (fp16/, qat/).
  const labels = values.labels !== undefined ? values.labels.split(',').map((l) => l.trim()) : results.map((r) => basename(dirname(resolve(r))));
  if (labels.length !== results.length) {
    throw new UserError(`${labels.length} label(s) for ${results.length} --results file(s); expected one label per file`, '--labels');
  }
  const runs = await Promise.all(results.map(async (path, i) => ({ label: labels[i]!, epochs: await readResultsCsv(path) })));
  const rendered = await renderLossChart({ runs, title: values.title }, { pngPath: values.png, htmlPath: values.html });
  process.stdout.write(`wrote ${rendered.pngPath} (${rendered.width}x${rendered.height}) and ${rendered.htmlPath}\n`);
}

runMain(main);
