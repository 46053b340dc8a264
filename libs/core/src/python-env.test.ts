import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureVenv, venvPython } from './python-env.ts';

test('an environment built from the current lock is reused without running pip', async () => {
  const lines: string[] = [];
  assert.equal(await ensureVenv({ log: (l) => lines.push(l) }), venvPython);
  assert.equal(await ensureVenv({ log: (l) => lines.push(l) }), venvPython);
  assert.deepEqual(lines, [], 'nothing was rebuilt');
});

test('a missing Python is a clear error naming what to do', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'venv-'));
  writeFileSync(join(dir, 'requirements.lock'), 'six==1.16.0\n');
  await assert.rejects(
    ensureVenv({ venvDir: join(dir, '.venv'), lockFile: join(dir, 'requirements.lock'), basePython: join(dir, 'no-python3'), log: () => {} }),
    /cannot run '.*no-python3' to build the Python environment: install Python 3\.11 or set PYTHON/,
  );
});

test('a failed install is a clear error, and the environment is not stamped as built', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'venv-'));
  writeFileSync(join(dir, 'requirements.lock'), '--no-index\nthis-package-does-not-exist-anywhere==0.0.1\n');
  const options = { venvDir: join(dir, '.venv'), lockFile: join(dir, 'requirements.lock'), log: () => {} };
  await assert.rejects(ensureVenv(options), /\.venv: failed to install .*requirements\.lock/);
  await assert.rejects(ensureVenv(options), /failed to install/, 'a second call tries again instead of trusting a broken env');
});
