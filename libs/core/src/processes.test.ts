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

/** Runs `sh -c <line>` and collects the stdout it and its background children write. */
function shell(line: string) {
  const child = spawn('sh', ['-c', line], { stdio: ['ignore', 'pipe', 'inherit'] });
  const state = { child, output: '' };
  child.stdout.on('data', (d: Buffer) => (state.output += d.toString()));
  return state;
}

async function waitFor(state: { output: string }, text: string, ms: number): Promise<void> {
  const started = Date.now();
  while (!state.output.includes(text) && Date.now() - started < ms) await sleep(50);
}

// A child that watches its parent, says "ready" once watching, and "gone" when its watch fires.
const watcher = (parent: string) =>
  `node --import tsx -e "import('./libs/core/src/processes.ts').then((m) => { m.watchParent(() => { console.log('gone'); process.exit(0); }, ${parent}, 50); console.log('ready'); setTimeout(() => {}, 20000); })"`;

test('a child notices within its watch interval when its parent is killed', async () => {
  const run = shell(`${watcher('process.ppid')} & wait`);
  await waitFor(run, 'ready', 30_000); // however slow tsx is to load, the parent dies only after the watch began
  assert.match(run.output, /ready/);
  run.child.kill('SIGKILL');
  await waitFor(run, 'gone', 5_000);
  assert.match(run.output, /gone/);
  assert.equal(typeof leadsOwnProcessGroup(), 'boolean');
});

test('a parent that died before the child began to watch is noticed too, when the child knows its pid', async () => {
  // sh exits at once; the child learns sh's pid ($$) from its environment, as a stage learns the executor's.
  const run = shell(`PARENT=$$ ${watcher('Number(process.env.PARENT)')} & exit 0`);
  await waitFor(run, 'gone', 30_000);
  assert.match(run.output, /ready\ngone/);
});
