/**
 * The one reader of the JSON artifacts one stage writes and another reads (their schemas: schemas/*.ts): a
 * missing, unparsable or malformed artifact fails naming the file and the field, never as an undefined deep
 * inside a later stage. Loose objects: a reader states the fields it uses, a writer may add more.
 * Every artifact's keys are camelCase, whichever language writes it (yolo_py converts at the write:
 * yolo_py/artifact_keys.py); only the request.json files Python reads are snake_case, its dataclasses' fields.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { UserError } from './errors.ts';
import type { RunLayout } from './layout.ts';
import { nxTarget, producerOf, type StageName } from './stage-outputs.ts';
import { exists } from './staging.ts';
import { fromWorkspace } from './workspace.ts';

/** The value at a zod issue's path, for "got ..." in the message. */
function at(value: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), value);
}

/** Parses and checks an artifact's text; `shown` names the file in the error. Pure. */
export function parseArtifact<S extends z.ZodType>(text: string, schema: S, shown: string): z.output<S> {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new UserError(`not valid JSON (${(error as Error).message})`, shown);
  }
  const parsed = schema.safeParse(document);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.map(String).join('.') || '(top level)';
  const got = at(document, issue.path);
  throw new UserError(`${issue.message}, got ${got === undefined ? 'nothing' : JSON.stringify(got)?.slice(0, 80)}`, `${shown}: ${field}`);
}

/**
 * Who writes an artifact: the run's layout, in which the stage whose output folder holds it is found, or the stage
 * itself for a file outside a run (a folder given on a tool's command line).
 */
export type Producer = RunLayout | StageName;

/** The error for an upstream artifact that is not there: it names the Nx target that writes it. */
function missingArtifact(path: string, producer: Producer, problem: string): UserError {
  const stage = typeof producer === 'string' ? producer : producerOf(producer, path);
  return new UserError(`${problem}: run \`npx nx run ${nxTarget(stage)}\` first`, fromWorkspace(path));
}

/** Reads and checks an artifact; a missing file names the Nx target that writes it. */
export async function readArtifact<S extends z.ZodType>(path: string, schema: S, producer: Producer): Promise<z.output<S>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw missingArtifact(path, producer, 'missing');
  }
  return parseArtifact(text, schema, fromWorkspace(path));
}

/** `path` if the upstream artifact (a file or folder a stage only passes on, never parses) exists; else the same named error. */
export async function requireArtifact(path: string, producer: Producer, problem = 'not found'): Promise<string> {
  if (!(await exists(path))) throw missingArtifact(path, producer, problem);
  return path;
}
