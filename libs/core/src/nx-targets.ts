/**
 * The Nx project and target of each registered stage, derived from its declaration: inputs (conf files, code closure,
 * npm and Python packages, upstream artifacts), outputs and dependsOn. So a target's hash holds exactly what can change
 * the stage's output: a training is not rerun for a chart colour, an export tolerance or an unrelated lock line. The
 * local Nx plugin (tools/nx-stage) adds these projects; no stage has a project.json.
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { codeInputs, tsPackageImports } from './code-closure.ts';
import { experimentName, runLayout } from './layout.ts';
import { stageTargetProfiles } from './nx-configurations.ts';
import { outputStampFileName } from './output-stamp.ts';
import { stageNames, stages, type StageName } from './stage-registry.ts';

/** A stage's Nx project folder: the folder of its declaration and code. */
export const stageRoot = (stage: StageName): string => join('libs', stage);

type Reads = Readonly<Record<string, readonly string[]>>;
/** Every stage's reads in one graph build. */
export type GraphReads = Readonly<Record<StageName, Reads>>;

/** What a stage reads upstream in the graph: its declared reads and those its conf/ settings decide. */
export function graphReads(stage: StageName): Reads {
  const d = stages[stage];
  return { ...d.reads, ...d.confDecidedReads?.() };
}

/**
 * Every stage's graph reads, worked out once per graph build: a conf-decided read parses conf files, and the walks
 * below visit each stage many times.
 */
export function allGraphReads(): GraphReads {
  return Object.fromEntries(stageNames.map((stage) => [stage, graphReads(stage)])) as GraphReads;
}

/** The stages whose artifacts a stage reads; a name the registry lacks fails here, when Nx builds its graph. */
export function upstreamOf(stage: StageName, reads: GraphReads = allGraphReads()): StageName[] {
  const named = Object.keys(reads[stage]);
  const unknown = named.filter((s) => !(stageNames as string[]).includes(s));
  if (unknown.length) throw new Error(`${stage}: its declaration reads from ${unknown.join(', ')}, which libs/core/src/stage-registry.ts does not register`);
  return named as StageName[];
}

/** The stage's code inputs: its import closure less the files that only word its messages (code-closure.ts). */
export function stageCode(root: string, stage: StageName): string[] {
  return codeInputs(root, stages[stage].code);
}

/** The npm packages the stage's code imports, and tsx, which runs it: Nx hashes their installed versions. */
export function stageNpmPackages(root: string, stage: StageName): string[] {
  const imported = stageCode(root, stage).filter((f) => f.endsWith('.ts')).flatMap((f) => tsPackageImports(readFileSync(join(root, f), 'utf8')));
  return [...new Set(['tsx', ...imported])].sort();
}

/** Nx's path of a stage's output folder: the run-root layout with Nx's tokens for the workspace and the run id. */
export function nxOutputPath(stage: StageName): string {
  return stages[stage].output(runLayout('{options.runId}', join('{workspaceRoot}', 'tmp', experimentName, '{options.runId}')));
}

/** What Nx caches and restores of a stage: its folder, or the declared files and the stamp in it. */
export function nxOutputs(stage: StageName): string[] {
  const folder = nxOutputPath(stage);
  return stages[stage].nxCache === 'writes' ? [...stages[stage].writes, outputStampFileName].map((file) => join(folder, file)) : [folder];
}

/** The stages this one depends on directly: those it reads from, less those reached through another of them. */
export function directUpstream(stage: StageName, reads: GraphReads = allGraphReads()): StageName[] {
  const upstream = upstreamOf(stage, reads);
  const reachable = (from: StageName): StageName[] => upstreamOf(from, reads).flatMap((s) => [s, ...reachable(s)]);
  return upstream.filter((s) => !upstream.some((other) => other !== s && reachable(other).includes(s)));
}

/** The one command that prints a stage's pinned Python packages (an Nx runtime input). */
export const stagePackagesCommand = (stage: StageName): string => `node --import tsx libs/core/src/stage-packages.ts ${stage}`;

type NxInput = string | { runtime: string } | { env: string } | { externalDependencies: string[] } | { dependentTasksOutputFiles: string; transitive?: boolean };

/** The Nx target of a stage, as the plugin adds it to the stage's project. */
export function nxStageTarget(root: string, stage: StageName, reads: GraphReads = allGraphReads()): {
  inputs: NxInput[];
  outputs: string[];
  dependsOn: Array<{ projects: string[]; target: string; params: 'forward' }>;
  implicitDependencies: string[];
} {
  const d = stages[stage];
  const direct = directUpstream(stage, reads);
  const artifacts = [...new Set(Object.values(reads[stage]).flat())];
  const inputs: NxInput[] = [
    ...d.conf.map((file) => `{workspaceRoot}/conf/${file}`),
    ...stageCode(root, stage).map((file) => `{workspaceRoot}/${file}`),
    { externalDependencies: stageNpmPackages(root, stage) },
    ...(d.pythonPackages.length ? [{ runtime: stagePackagesCommand(stage) }] : []),
    ...(d.env ?? []).map((env) => ({ env })),
    ...(d.runtime ?? []).map((runtime) => ({ runtime })),
    ...(artifacts.length
      ? [{
          dependentTasksOutputFiles: artifacts.length === 1 ? `**/${artifacts[0]}` : `**/{${artifacts.join(',')}}`,
          // Artifacts of a stage that is not a direct dependency are reached through Nx's transitive walk.
          ...(upstreamOf(stage, reads).length > direct.length ? { transitive: true } : {}),
        }]
      : []),
  ];
  return {
    inputs,
    outputs: nxOutputs(stage),
    dependsOn: direct.map((s) => ({ projects: [s], target: s, params: 'forward' as const })),
    implicitDependencies: direct,
  };
}

export interface NxStageProject {
  name: StageName;
  sourceRoot: string;
  projectType: 'library';
  tags: string[];
  implicitDependencies: string[];
  targets: Record<string, Omit<ReturnType<typeof nxStageTarget>, 'implicitDependencies'> & {
    executor: string;
    cache: true;
    options: { script: string; profile: string; runId: string };
    configurations: Record<string, { profile: string; runId: string }>;
  }>;
}

/** The executor every stage target runs (tools/nx-stage/executors.json). */
export const stageExecutor = './tools/nx-stage:stage';

/**
 * Every stage's Nx project, keyed by its folder: one target named after the stage, running its script with the
 * default profile as options and one configuration per profile (nx-configurations.ts).
 */
export function nxStageProjects(root: string): Record<string, NxStageProject> {
  const { options, configurations } = stageTargetProfiles();
  const reads = allGraphReads();
  return Object.fromEntries(stageNames.map((stage) => {
    const { implicitDependencies, ...target } = nxStageTarget(root, stage, reads);
    return [stageRoot(stage), {
      name: stage,
      sourceRoot: join(stageRoot(stage), 'src'),
      projectType: 'library' as const,
      tags: ['stage'],
      implicitDependencies,
      targets: { [stage]: { executor: stageExecutor, cache: true as const, ...target, options: { script: stages[stage].code.ts[0]!, ...options }, configurations } },
    }];
  }));
}
