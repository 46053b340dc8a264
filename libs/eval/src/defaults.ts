/**
 * The evaluator's defaults, for its CLI and for the tools that call it: conf/'s base values (eval.yaml, preprocess.yaml's
 * letterbox, train.yaml's imgsz), which every profile starts from, so that the evaluator run by hand evaluates as the eval
 * stage does. The eval stage itself takes its profile's values from conf/ and never loads this file.
 */
import { loadSection } from '../../core/src/config/load.ts';
import { checkSettings, type EvaluatorSettings, type SettingName } from './settings.ts';
import type { SessionOptions } from './session.ts';

export const DEFAULTS: EvaluatorSettings = {
  ...loadSection('eval', null),
  imgsz: loadSection('train', null).imgsz,
  letterbox: loadSection('preprocess', null).letterbox,
};

/** onnxruntime settings (conf/eval.yaml's session); the QCDQ file's weight Q/DQ are folded only for a second latency figure. */
export const DEFAULT_SESSION_OPTIONS: SessionOptions = { ...DEFAULTS.session, foldQdqWeights: false };

/** The defaults with `overrides` in place of some of them, checked (settings.ts checkSettings). */
export function settingsWith(overrides: Partial<Record<keyof EvaluatorSettings, unknown>>, name?: SettingName): EvaluatorSettings {
  return checkSettings({ ...DEFAULTS, ...overrides }, name);
}
