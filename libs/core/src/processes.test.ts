import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatIdentity, leadsOwnProcessGroup, parseIdentity, processIdentity, stillRunning } from './processes.ts';

test('this process is running; a finished one and a recycled pid are not', () => {
  const me = processIdentity(process.pid);
  assert.ok(me && stillRunning(me));
  assert.deepEqual(parseIdentity(formatIdentity(me)), me);
  assert.equal(stillRunning({ pid: process.pid, startTime: '1' }), false, 'same pid, another start time');
  const done = spawnSync('true');
  assert.equal(processIdentity(done.pid!), null);
  assert.equal(parseIdentity('garbage'), null);
});

test('a zombie counts as gone', async () => {
  // sh forks `sleep 0.1` and then becomes `sleep 5`, which never reaps it: the short sleep is left a zombie.
  const parent = spawn('sh', ['-c', 'sleep 0.1 & exec sleep 5'], { stdio: 'ignore' });
  try {
    await sleep(600);
    const children = spawnSync('pgrep', ['-P', String(parent.pid)], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean).map(Number);
    assert.equal(children.length, 1, 'one child left');
    assert.equal(processIdentity(children[0]!), null);
  } finally {
    parent.kill('SIGKILL');
  }
});

test('a child whose parent dies notices within its watch interval', async () => {
  // sh starts node in the background and exits at once: node is re-parented and its watch fires.
  const script = "import('./libs/core/src/processes.ts').then((m) => { m.watchParent(() => { console.log('gone'); process.exit(0); }, 50); setTimeout(() => {}, 5000); })";
  const shell = spawn('sh', ['-c', `node --import tsx -e "${script}" & sleep 1.5`], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  shell.stdout.on('data', (d: Buffer) => (output += d.toString()));
  await new Promise((resolve) => shell.once('exit', resolve));
  const started = Date.now();
  while (!output.includes('gone') && Date.now() - started < 3000) await sleep(50);
  assert.match(output, /gone/);
  assert.equal(typeof leadsOwnProcessGroup(), 'boolean');
});
