/**
 * The pinned versions a Python stage depends on: the lock lines of the packages it imports and of everything
 * those require (Requires-Dist of the installed distributions, with the extras they ask for). An Nx runtime input of the
 * stages that run Python (see nx-targets.ts), so adding or bumping a package no stage pulls in invalidates nothing,
 * while bumping torch (or a CUDA library torch requires) retrains.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pythonLockFile, venvDir } from './python-env.ts';

/** PEP 503 name normalisation: `PyYAML`, `opencv_python` and `typing-extensions` compare as written in any case. */
export const normalizePackage = (name: string): string => name.toLowerCase().replace(/[-_.]+/g, '-');

/** One Requires-Dist: the distribution, the extras it asks of it, and the extra of ours it belongs to (null: always). */
export interface Requirement {
  name: string;
  extras: string[];
  forExtra: string | null;
}

export function parseRequirements(metadata: string): Requirement[] {
  return metadata.split(/\r?\n/).flatMap((line) => {
    const m = /^Requires-Dist:\s*([A-Za-z0-9._-]+)\s*(?:\[([^\]]*)\])?[^;]*(?:;(.*))?$/.exec(line);
    if (!m) return [];
    const forExtra = /extra\s*==\s*["']([^"']+)["']/.exec(m[3] ?? '')?.[1] ?? null;
    const extras = (m[2] ?? '').split(',').map((e) => normalizePackage(e.trim())).filter(Boolean);
    return [{ name: normalizePackage(m[1]!), extras, forExtra: forExtra && normalizePackage(forExtra) }];
  });
}

/**
 * Every package reachable from `roots` through their requirements (other markers kept: more inputs, never
 * fewer), following an extra only where a requirement asks for it (torch asks cuda-toolkit[cublas,...]); sorted.
 */
export function packageClosure(roots: readonly string[], requirements: (name: string) => readonly Requirement[]): string[] {
  const seen = new Set<string>();
  const queue: Array<{ name: string; extras: string[] }> = roots.map((r) => ({ name: normalizePackage(r), extras: [] }));
  while (queue.length) {
    const { name, extras } = queue.pop()!;
    const wanted = [null, ...extras].filter((e) => !seen.has(`${name}[${e ?? ''}]`));
    if (!wanted.length) continue;
    for (const e of wanted) seen.add(`${name}[${e ?? ''}]`);
    for (const r of requirements(name)) if (wanted.includes(r.forExtra)) queue.push({ name: r.name, extras: r.extras });
  }
  return [...new Set([...seen].map((key) => key.slice(0, key.indexOf('['))))].sort();
}

/** `name==version` lines of the lock, keyed by normalised name. */
export function parseLock(lock: string): Map<string, string> {
  const lines = new Map<string, string>();
  for (const line of lock.split(/\r?\n/)) {
    const match = /^([A-Za-z0-9._-]+)==\S+/.exec(line.trim());
    if (match) lines.set(normalizePackage(match[1]!), line.trim());
  }
  return lines;
}

/** Requires-Dist of each distribution installed in the venv, by normalised name; null when there is no venv yet. */
export function installedRequirements(venv: string = venvDir): Map<string, Requirement[]> | null {
  const libDir = join(venv, 'lib');
  let sitePackages: string;
  try {
    const python = readdirSync(libDir).find((d) => d.startsWith('python'));
    if (!python) return null;
    sitePackages = join(libDir, python, 'site-packages');
    const requirements = new Map<string, Requirement[]>();
    for (const entry of readdirSync(sitePackages)) {
      if (!entry.endsWith('.dist-info')) continue;
      const metadata = readFileSync(join(sitePackages, entry, 'METADATA'), 'utf8');
      const name = /^Name:\s*(\S+)/m.exec(metadata)?.[1];
      if (name) requirements.set(normalizePackage(name), parseRequirements(metadata));
    }
    return requirements;
  } catch {
    return null;
  }
}

/**
 * The lock lines `roots` depend on. Without a venv to read requirements from (before tools/bootstrap.sh), the
 * whole lock: a superset, so a hash is never too small. A root the lock does not pin is an error.
 */
export function stageLockLines(roots: readonly string[], lock: string, requirements: Map<string, Requirement[]> | null): string[] {
  const pinned = parseLock(lock);
  const missing = roots.filter((r) => !pinned.has(normalizePackage(r)));
  if (missing.length) throw new Error(`requirements.lock pins no ${missing.join(', ')}: expected a name==version line for each`);
  if (!requirements) return [...pinned.values()].sort();
  return packageClosure(roots, (name) => requirements.get(name) ?? [])
    .flatMap((name) => (pinned.has(name) ? [pinned.get(name)!] : []));
}

export const readLock = (file: string = pythonLockFile): string => readFileSync(file, 'utf8');
