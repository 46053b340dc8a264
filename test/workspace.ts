/**
 * A throw-away copy of this workspace for the whole-pipeline tests: they edit conf/, delete run roots and
 * read Nx's cache, which must never touch the developer's own. node_modules and .venv are linked, not copied.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { workspaceRoot } from '../libs/core/src/workspace.ts';

export interface NxRun {
  code: number;
  output: string;
  ran: string[];
  cached: string[];
  failed: string[];
  seconds: number;
}

/** Nx as CI runs it: no daemon, no cloud, no TUI; one place, so every test drives Nx alike. */
export const nxTestEnv = (): NodeJS.ProcessEnv => ({ ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', CI: 'true' });

export class WorkspaceCopy {
  readonly root: string;

  constructor() {
    this.root = mkdtempSync(join(tmpdir(), 'pipeline-ws-'));
    // The working tree as it is: tracked and untracked files, less those deleted but not yet committed.
    const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: workspaceRoot, encoding: 'utf8' })
      .split('\0')
      .filter((file) => file && existsSync(join(workspaceRoot, file)));
    for (const file of files) cpSync(join(workspaceRoot, file), join(this.root, file), { recursive: false, force: true, errorOnExist: false });
    for (const linked of ['node_modules', '.venv']) symlinkSync(join(workspaceRoot, linked), join(this.root, linked));
    this.git('init', '-q');
    this.git('add', '-A');
    this.git('-c', 'user.email=test@localhost', '-c', 'user.name=test', 'commit', '-qm', 'pipeline test base');
  }

  git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.root, encoding: 'utf8' });
  }

  path(...parts: string[]): string {
    return join(this.root, ...parts);
  }

  edit(file: string, change: (text: string) => string): void {
    const path = this.path(file);
    const before = readFileSync(path, 'utf8');
    const after = change(before);
    if (after === before) throw new Error(`edit of ${file} changed nothing`);
    writeFileSync(path, after);
  }

  /** Runs `nx <args>` and reads which tasks ran, came from the cache, or failed from its task list. */
  nx(args: string[], env: NodeJS.ProcessEnv = {}): Promise<NxRun> {
    const started = performance.now();
    return new Promise((resolve) => {
      const child = spawn(join(this.root, 'node_modules', '.bin', 'nx'), args, {
        cwd: this.root,
        env: { ...nxTestEnv(), FORCE_COLOR: '0', NO_COLOR: '1', ...env },
      });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      child.on('close', (code) => {
        output = output.replace(/\x1b\[[0-9;]*m/g, ''); // colours, in case a terminal setting forced them
        const tasks = (mark: RegExp) => [...output.matchAll(mark)].map((m) => m[1]!);
        resolve({
          code: code ?? 1,
          output,
          ran: tasks(/✔ {2}nx run ([\w-]+):[\w-]+(?::\w+)?$/gm),
          cached: tasks(/✔ {2}nx run ([\w-]+):[\w-]+(?::\w+)? {2}\[(?:local|remote) cache\]/gm),
          failed: [...new Set([...tasks(/✖ {2}nx run ([\w-]+):/gm), ...failedList(output)])],
          seconds: (performance.now() - started) / 1000,
        });
      });
    });
  }

  /** Live processes of this copy, as "<pid> <command line>": started in it, or naming it on their command line. */
  processes(): string[] {
    return readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid)
      .flatMap((p) => {
        try {
          const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
          const cwd = readlinkSync(`/proc/${p}/cwd`);
          const state = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]?.[0];
          const inside = cwd === this.root || cwd.startsWith(`${this.root}/`) || cmd.includes(this.root);
          return state !== 'Z' && inside ? [`${p} ${cmd}`] : [];
        } catch {
          return []; // gone while we looked
        }
      });
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** The "Failed tasks:" list Nx prints at the end of a run: "- project:target[:configuration]" lines. */
function failedList(output: string): string[] {
  const block = /^\s*Failed tasks:\s*\n((?:\s*- \S+\n?)+)/m.exec(output)?.[1] ?? '';
  return [...block.matchAll(/- ([\w-]+):/g)].map((m) => m[1]!);
}

export const sorted = (names: string[]) => [...names].sort();
