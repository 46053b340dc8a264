import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packageClosure, parseLock, parseRequirements, stageLockLines, type Requirement } from './python-packages.ts';

const metadata = (name: string, ...requires: string[]) => [`Name: ${name}`, ...requires.map((r) => `Requires-Dist: ${r}`)].join('\n');

test('requirements keep markers other than extras and note the extras they ask for', () => {
  assert.deepEqual(parseRequirements(metadata('x', 'numpy>=1.23.0; platform_system != "Darwin"', 'cuda_toolkit[cublas,cudart]==13.0.2; sys_platform == "linux"', 'pytest; extra == "dev"')), [
    { name: 'numpy', extras: [], forExtra: null },
    { name: 'cuda-toolkit', extras: ['cublas', 'cudart'], forExtra: null },
    { name: 'pytest', extras: [], forExtra: 'dev' },
  ]);
});

test('the closure follows an extra only where a requirement asks for it', () => {
  const reqs: Record<string, Requirement[]> = {
    torch: parseRequirements(metadata('torch', 'cuda-toolkit[cublas]', 'sympy')),
    'cuda-toolkit': parseRequirements(metadata('cuda-toolkit', 'nvidia-cublas; extra == "cublas"', 'nvidia-cufft; extra == "cufft"')),
    sympy: parseRequirements(metadata('sympy', 'mpmath', 'hypothesis; extra == "test"')),
  };
  assert.deepEqual(packageClosure(['Torch'], (n) => reqs[n] ?? []), ['cuda-toolkit', 'mpmath', 'nvidia-cublas', 'sympy', 'torch']);
});

test('lock lines: the closure pinned by the lock; no venv gives the whole lock; an unpinned root is named', () => {
  const lock = '# header\nPyYAML==6.0.3\ntorch==2.14.1\nmpmath==1.3.0\npytest==9.2.0\n';
  assert.equal(parseLock(lock).get('pyyaml'), 'PyYAML==6.0.3');
  const installed = new Map<string, Requirement[]>([['torch', parseRequirements(metadata('torch', 'mpmath', 'setuptools'))]]);
  assert.deepEqual(stageLockLines(['torch'], lock, installed), ['mpmath==1.3.0', 'torch==2.14.1']);
  assert.deepEqual(stageLockLines(['torch'], lock, null), ['PyYAML==6.0.3', 'mpmath==1.3.0', 'pytest==9.2.0', 'torch==2.14.1']);
  assert.throws(() => stageLockLines(['brevitas'], lock, installed), /requirements\.lock pins no brevitas/);
});
