/**
 * What the evaluator evaluates with: conf/eval.yaml's section, with the model's input size and the letterbox style. They
 * are checked once, where they enter: the eval stage's conf (loadSection), and the CLI's flags or a tool's values
 * (checkSettings, through defaults.ts's settingsWith). evaluateOnnx and all it calls take them as they are.
 */
import { z } from 'zod';
import { letterboxStyles } from '../../core/src/config/choices.ts';
import { evalSchema, type SectionConfig } from '../../core/src/config/schema.ts';
import { UserError } from '../../core/src/errors.ts';

/** The model input: train.yaml's imgsz (export.json's, for the eval stage) and preprocess.yaml's letterbox. */
const modelInputSchema = z.strictObject({
  /** The square input side the images are letterboxed to; a model with a fixed input must have it. */
  imgsz: z.number().int().min(32),
  letterbox: z.enum(letterboxStyles),
});

export type EvaluatorSettings = SectionConfig<'eval'> & z.output<typeof modelInputSchema>;

/** Names a settings key in a message: its key path by default, the CLI's flag on the command line. */
export type SettingName = (path: readonly PropertyKey[]) => string;
const keyPath: SettingName = (path) => path.map(String).join('.');

/**
 * `values` as settings, when they are valid; else a UserError naming the setting (by `name`), what was expected and what
 * was given. The one check of settings that do not come from conf/ (where loadSection checks them, naming the file).
 */
export function checkSettings(values: Record<string, unknown>, name: SettingName = keyPath): EvaluatorSettings {
  const { imgsz, letterbox, ...section } = values;
  const input = modelInputSchema.safeParse({ imgsz, letterbox });
  if (!input.success) throw settingError(input.error, { imgsz, letterbox }, name);
  const parsed = evalSchema.safeParse(section);
  if (!parsed.success) throw settingError(parsed.error, section, name);
  return { ...parsed.data, ...input.data };
}

function settingError(error: z.ZodError, given: Record<string, unknown>, name: SettingName): UserError {
  const issue = error.issues[0]!;
  const paths = issue.code === 'unrecognized_keys' ? issue.keys.map((key) => [...issue.path, key]) : [issue.path];
  const value = issue.path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), given);
  const got = issue.code === 'unrecognized_keys' ? 'an unknown setting' : `got ${value === undefined ? 'nothing' : JSON.stringify(value)}`;
  return new UserError(`${issue.message}, ${got}`, paths.map(name).join(', '));
}
