import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { codeInputs } from './code-closure.ts';
import { confMismatches, confReadsOf, confReaderModule, type SourceFile } from './conf-reads.ts';
import { stageCode } from './nx-targets.ts';
import { stageNames, stages } from './stage-registry.ts';
import { workspaceRoot } from './workspace.ts';

const confFiles = readdirSync(join(workspaceRoot, 'conf'));
const read = (root: string, files: readonly string[]): SourceFile[] => files.map((path) => ({ path, source: readFileSync(join(root, path), 'utf8') }));
const reads = (source: string, path = 'libs/x/src/stage.ts') => confReadsOf({ path, source }, confFiles);

for (const stage of stageNames) {
  test(`${stage}: the conf/ files its declaration lists are exactly those its code reads`, () => {
    assert.deepEqual(confMismatches(stage, stages[stage], read(workspaceRoot, stageCode(workspaceRoot, stage)), confFiles), []);
  });
}

test('a loadSection in a file the stage imports, of a section it does not declare, is reported; so is a declared file nothing reads', () => {
  const root = mkdtempSync(join(tmpdir(), 'conf-reads-'));
  try {
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    };
    write('libs/x/src/stage.ts', "import { loadSection } from '../../core/src/config/load.ts';\nimport { helper } from './helper.ts';\nexport const a = loadSection('train', null);\n");
    write('libs/x/src/helper.ts', "import { loadSection } from '../../core/src/config/load.ts';\nexport const helper = () => loadSection(\"eval\", 'demo').batch;\n");
    write(confReaderModule, 'export function loadSection(section, profile) { return readSectionFile(section, dir); }\n');
    const code = read(root, codeInputs(root, { ts: ['libs/x/src/stage.ts'], python: [] }));
    assert.deepEqual(confMismatches('x', { conf: ['train.yaml', 'export.yaml'] }, code, confFiles), [
      "x: reads conf/eval.yaml (libs/x/src/helper.ts) but its declaration's conf does not list it",
      'x: declares conf/export.yaml but none of its code reads it',
    ]);
    assert.deepEqual(confMismatches('x', { conf: ['train.yaml', 'eval.yaml'] }, code, confFiles), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('reads: both quotes, keyLocation, hypSourceFile; import lists, comments and messages naming a file are not reads', () => {
  const source = [
    "import { hypSourceFile, keyLocation, loadSection } from '../../core/src/config/load.ts';",
    '// loadSection(section, profile) would be a read, were it not a comment; so would confDir',
    "/* keyLocation(x) */ const t = loadSection('train', p).imgsz;",
    'const q = loadSection(\n  "qat",\n  p,\n);',
    "const where = keyLocation('resources', p, 'device');",
    'const text = await readFile(hypSourceFile);',
    "throw new UserError('too few', 'conf/ptq.yaml: calibrationImages');",
    "const url = 'http://example.org/loadSection(x)';",
  ].join('\n');
  assert.deepEqual(reads(source), { files: ['hyp.scratch.yaml', 'qat.yaml', 'resources.yaml', 'train.yaml'], unresolvable: [] });
  assert.deepEqual(reads('export function loadSection(section, profile) {}', confReaderModule), { files: [], unresolvable: [] });
});

test('a read the patterns cannot name fails loudly, with where it is', () => {
  const cases: Array<[string, RegExp]> = [
    ['const all = sections.map((s) => loadSection(s, profile));', /stage\.ts:1: loadSection without a literal section name/],
    ['const read = loadSection;', /loadSection without a literal section name/],
    ['const c = loadSection(`train`, p);', /loadSection without a literal section name/],
    ["import { loadSection as load } from '../../core/src/config/load.ts';\nload('train', p);", /stage\.ts:1: loadSection imported under another name/],
    ["const k = keyLocation(section, p, 'device');", /keyLocation without a literal section name/],
    ["const f = join(confDir, 'x.yaml');", /confDir used outside load\.ts/],
    ["const f = join(workspaceRoot, 'conf', name);", /names a conf\/ file outside load\.ts/],
    ["const f = fromWorkspace('conf/train.yaml');", /names a conf\/ file outside load\.ts/],
    ['const f = parse(readFileSync("watch.yaml"));', /names a conf\/ file outside load\.ts/],
  ];
  for (const [source, expected] of cases) {
    const found = reads(source);
    assert.equal(found.unresolvable.length, 1, source);
    assert.match(found.unresolvable[0]!, expected);
  }
  const py = reads('import yaml\n# conf/train.yaml: a comment\nsettings = yaml.safe_load(open("conf/train.yaml"))\n', 'libs/yolo-py/yolo_py/x.py');
  assert.deepEqual(py.unresolvable, ['libs/yolo-py/yolo_py/x.py:3: names a conf/ file outside load.ts: settings = yaml.safe_load(open("conf/train.yaml"))']);
  assert.match(confMismatches('x', { conf: ['train.yaml'] }, [{ path: 'libs/x/src/stage.ts', source: "loadSection('train', p); loadSection(name, p);" }], confFiles).join('\n'), /x: cannot tell which conf\/ file this reads/);
});

test('a read that is not an input needs its reason; a stale or contradictory one is reported', () => {
  const code = [{ path: 'libs/x/src/stage.ts', source: "loadSection('train', p); loadSection('resources', p);" }];
  assert.deepEqual(confMismatches('x', { conf: ['train.yaml'], confNotInputs: { 'resources.yaml': 'moves a run' } }, code, confFiles), []);
  assert.deepEqual(confMismatches('x', { conf: ['train.yaml'] }, code, confFiles), ["x: reads conf/resources.yaml (libs/x/src/stage.ts) but its declaration's conf does not list it"]);
  assert.deepEqual(confMismatches('x', { conf: ['train.yaml', 'resources.yaml'], confNotInputs: { 'resources.yaml': 'r', 'watch.yaml': 'w' } }, code, confFiles), [
    'x: conf/resources.yaml is both an input and a read that is not one',
    'x: conf/watch.yaml is listed as read but not an input, and none of its code reads it',
  ]);
  assert.deepEqual(confMismatches('x', { conf: ['train.yaml', 'nope.yaml'] }, [{ path: 'libs/x/src/stage.ts', source: "loadSection('train', p); loadSection('nope', p);" }], confFiles), [
    'x: conf/nope.yaml does not exist',
  ]);
});
