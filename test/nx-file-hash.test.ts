/**
 * The cache is only as trustworthy as Nx's file hashes. Without its daemon, Nx keeps each file's hash keyed by
 * the file's whole-second mtime (.nx/workspace-data). Nx 23.2.1 reused such a hash for a file rewritten within
 * the same second it was read, so a stage could be served a cached result for a conf/ it never saw (CI hit it:
 * pipeline.test.ts, a file restored by git within the second `nx show` read it). 23.3.1 never trusts a hash
 * whose mtime is at or after the moment its files were gathered. This pins that behaviour of the installed Nx.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withTempDir } from '../libs/core/src/testing/temp-dir.ts';
import { workspaceRoot } from '../libs/core/src/workspace.ts';
import { nxTestEnv } from './workspace.ts';

test('a file rewritten within the mtime second of an Nx read is hashed again, not served stale', () =>
  withTempDir((root) => {
    symlinkSync(join(workspaceRoot, 'node_modules'), join(root, 'node_modules'));
    writeFileSync(join(root, 'package.json'), '{ "name": "hash-probe", "private": true }\n');
    writeFileSync(join(root, 'nx.json'), JSON.stringify({ useInferencePlugins: false, neverConnectToCloud: true, analytics: false }));
    mkdirSync(join(root, 'probe'));
    const target = { executor: 'nx:run-commands', cache: true, inputs: ['{projectRoot}/in.txt'], outputs: ['{projectRoot}/out.txt'], options: { command: 'cp probe/in.txt probe/out.txt' } };
    writeFileSync(join(root, 'probe', 'project.json'), JSON.stringify({ name: 'probe', targets: { copy: target } }));
    const input = join(root, 'probe', 'in.txt');
    const copy = () =>
      execFileSync(join(root, 'node_modules', '.bin', 'nx'), ['run', 'probe:copy'], {
        cwd: root,
        env: nxTestEnv(),
        stdio: 'pipe',
      });
    // A same-second read then rewrite, made deterministic: both writes carry one mtime that is still ahead of
    // the clock when Nx reads, as a rewrite in the second of the read would be.
    const sameSecond = new Date(Math.ceil(Date.now() / 1000) * 1000 + 60_000);
    const write = (text: string) => {
      writeFileSync(input, text);
      utimesSync(input, sameSecond, sameSecond);
    };

    writeFileSync(input, 'before\n');
    copy(); // Nx now holds hashes of the workspace's files
    write('read\n');
    copy();
    write('rewritten\n');
    copy();
    assert.equal(readFileSync(join(root, 'probe', 'out.txt'), 'utf8'), 'rewritten\n', 'Nx reused the hash of the file before it was rewritten');
  }));
