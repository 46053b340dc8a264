/** The weight oscillation section of summary.md: the QAT run's chart (drawn by the stage) and how to read it. Pure. */
import { variantLabel } from '../../core/src/vocabulary.ts';
import { CODE_CHANGE_COLUMN, type LossSeries } from '../../chart/src/index.ts';

const heading = `## Weight oscillation (${variantLabel.qat})`;

/** The chart is drawn only when the QAT run's results.csv has the code-change column (older runs do not). */
export const hasOscillationChart = (qat: LossSeries): boolean => qat.codeChange !== undefined;

export function oscillationSection(qat: LossSeries, chart: { png: string; html: string }): string[] {
  if (!hasOscillationChart(qat)) {
    return [heading, '', `The QAT run's results.csv has no \`${CODE_CHANGE_COLUMN}\` column, so there is no oscillation chart.`, ''];
  }
  return [
    heading,
    '',
    `![Share of the QAT model's 4-bit weight codes that changed since the previous epoch, with the learning rate](${chart.png})`,
    '',
    `Per epoch, the share of all quantized layers' 4-bit weight codes that changed since the previous epoch (results.csv's \`${CODE_CHANGE_COLUMN}\`), ` +
      'with the learning rate on the right axis. In a healthy run the share falls as the learning rate decays; a share that stays high late in ' +
      'training, while the learning rate is already low, is weight oscillation: weights flipping back and forth across a rounding boundary ' +
      `(Nagel et al., ICML 2022, "Overcoming Oscillations in Quantization-Aware Training"). Interactive version: [${chart.html}](${chart.html}).`,
    '',
  ];
}
