import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import type { z } from 'zod';
import { UserError } from '../errors.ts';
import { workspaceRoot } from '../workspace.ts';
import { parseProfile, sectionSchemas, type Profile, type SectionConfig, type SectionName } from './schema.ts';

export const confDir = join(workspaceRoot, 'conf');
/** YOLOv5's from-scratch hyperparameters, as the hyps stage reads them (not a schema-checked section). */
export const hypSourceFile = join(confDir, 'hyp.scratch.yaml');
export { defaultProfile, knownProfiles, parseProfile, type Profile } from './schema.ts';

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Profile overrides replace leaves and merge objects; arrays are replaced whole. */
export function mergeProfile(base: Plain, override: Plain): Plain {
  const out: Plain = { ...base };
  for (const [key, value] of Object.entries(override)) {
    out[key] = isPlain(value) && isPlain(base[key]) ? mergeProfile(base[key] as Plain, value) : value;
  }
  return out;
}

/**
 * Resolves one section for a profile (null: the base values every profile starts from) from already-parsed YAML.
 * Pure: `file` is only used in messages. Every problem names the file, the key path as written in that file, and
 * what was expected.
 */
export function resolveSection<S extends SectionName>(section: S, document: unknown, profile: Profile | null, file: string): SectionConfig<S> {
  if (!isPlain(document)) throw new UserError('expected a mapping of keys at the top level', file);
  const { profiles = {}, ...base } = document;
  if (!isPlain(profiles)) throw new UserError('expected a mapping of profile name -> overrides', `${file}: profiles`);
  for (const [name, override] of Object.entries(profiles)) {
    parseProfile(name, `${file}: profiles.${name}`);
    if (!isPlain(override)) throw new UserError('expected a mapping of overrides', `${file}: profiles.${name}`);
  }
  const override = profile === null ? {} : ((profiles as Record<string, Plain>)[profile] ?? {});
  const merged = mergeProfile(base, override);
  const parsed = (sectionSchemas[section] as z.ZodType).safeParse(merged);
  if (parsed.success) return parsed.data as SectionConfig<S>;
  const issue = parsed.error.issues[0]!;
  const path = issue.path.map((key) => (typeof key === 'number' ? key : String(key)));
  const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...path, k]) : [path];
  const where = keys.map((p) => keyAsWritten(override, profile, p, base)).join(', ');
  const found = issue.code === 'unrecognized_keys' ? '' : `, got ${describe(getPath(merged, path))}`;
  const reason = issue.code === 'unrecognized_keys' ? `unknown key (known keys: ${knownKeys(section, path)})` : `${issue.message}${found}`;
  throw new UserError(reason, `${file}: ${where || '(top level)'}`);
}

/** Reads and resolves conf/<section>.yaml for a profile (null: its base values). */
export function loadSection<S extends SectionName>(section: S, profile: Profile | null, dir: string = confDir): SectionConfig<S> {
  const { document, file } = readSectionFile(section, dir);
  return resolveSection(section, document, profile, file);
}

/**
 * Where a profile's value of a top-level key is written: keyPath `profiles.gpu.device` when the profile overrides the
 * key, else `device` (the base value); file as messages show it (conf/resources.yaml).
 */
export function keyLocation(section: SectionName, profile: Profile, key: string, dir: string = confDir): { file: string; keyPath: string } {
  const { document, file } = readSectionFile(section, dir);
  const profiles = isPlain(document) && isPlain(document.profiles) ? document.profiles : {};
  return { file, keyPath: keyAsWritten(profiles[profile], profile, [key]) };
}

/** conf/<section>.yaml parsed; `file` is its path as messages show it. */
function readSectionFile(section: SectionName, dir: string): { document: unknown; file: string } {
  const path = join(dir, `${section}.yaml`);
  const file = relative(process.cwd(), path) || path;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UserError(`config file not found: expected conf/${section}.yaml`, file);
  }
  try {
    return { document: parse(text), file };
  } catch (error) {
    throw new UserError(`not valid YAML: ${(error as Error).message.split('\n')[0]}`, file);
  }
}

/** A key, or a list index, of a path into a section. */
type PathKey = string | number;

/**
 * A key path as the user wrote it: under `profiles.<profile>` when that profile's override holds it, or holds the
 * object it is missing from in place of the base's (a `distill: { weight: 1 }` over `distill: null`); list items as
 * `[i]` (layers[1].bits), as yolo_py's QatSettings names them.
 */
function keyAsWritten(override: unknown, profile: Profile | null, path: PathKey[], base?: unknown): string {
  const parent = path.slice(0, -1);
  const replaced = parent.length > 0 && hasPath(override, parent) && !isPlain(getPath(base, parent));
  const full = hasPath(override, path) || replaced ? ['profiles', profile, ...path] : path;
  return full.map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? key : `.${key}`)).join('');
}

function child(value: unknown, key: PathKey): { found: boolean; value?: unknown } {
  if (typeof key === 'number') return Array.isArray(value) && key < value.length ? { found: true, value: value[key] } : { found: false };
  return isPlain(value) && key in value ? { found: true, value: value[key] } : { found: false };
}

function hasPath(value: unknown, path: PathKey[]): boolean {
  let cur = value;
  for (const key of path) {
    const next = child(cur, key);
    if (!next.found) return false;
    cur = next.value;
  }
  return true;
}

function getPath(value: unknown, path: PathKey[]): unknown {
  let cur = value;
  for (const key of path) cur = child(cur, key).value;
  return cur;
}

function describe(value: unknown): string {
  return value === undefined ? 'nothing (key missing)' : JSON.stringify(value);
}

function knownKeys(section: SectionName, path: PathKey[]): string {
  // Through .nullable() and .optional() wrappers (an object a setting may leave null, such as qat.yaml's distill).
  type Wrapper = { def?: { type?: string }; unwrap(): unknown };
  const unwrap = (s: unknown): unknown => (['nullable', 'optional'].includes((s as Wrapper | undefined)?.def?.type ?? '') ? unwrap((s as Wrapper).unwrap()) : s);
  let schema: unknown = unwrap(sectionSchemas[section]);
  for (const key of path) {
    schema = unwrap(typeof key === 'number' ? (schema as { element?: unknown }).element : (schema as { shape?: Record<string, unknown> }).shape?.[key]);
  }
  const shape = (schema as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape ? Object.keys(shape).join(', ') : '?';
}
