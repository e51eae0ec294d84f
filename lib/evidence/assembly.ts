import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type {
  ArtifactManifest,
  AssemblyManifest,
  AwsCloudFormationStackProperties,
  NestedCloudAssemblyProperties,
  PolicyValidationReportJson,
} from 'aws-cdk-lib/cloud-assembly-schema';
import { REGION_PATTERN } from '../config/jurisdictions';
import { CfnTemplate, StackTemplate, indexStack } from './template';

/** A problem the user fixes by synthesizing again or passing other paths; printed without a stack trace. */
export class EvidenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvidenceError';
  }
}

/** What the evidence pack reads from `cdk.out`. */
export interface CloudAssemblyEvidence {
  readonly directory: string;
  /** When `manifest.json` was written: the time of the synthesis the evidence describes. */
  readonly writtenAt: Date;
  /** The CDK Stages (cells) found as nested assemblies, by their path. */
  readonly cells: readonly string[];
  /** Every stack of every nested assembly. */
  readonly stacks: readonly StackTemplate[];
  /** `validation-report.json`: what every compliance pack reported. */
  readonly report: PolicyValidationReportJson;
}

// Artifact types of the cloud assembly schema (ArtifactType), as literals: the enum is only a type here.
const STACK = 'aws:cloudformation:stack';
const NESTED_ASSEMBLY = 'cdk:cloud-assembly';
const RERUN = 'Run `npx cdk synth` (or pass --cdk-out <dir>) and try again.';

/** Reads the cloud assembly after `cdk synth`: manifests, every stack template (once), and the validation report. */
export function readCloudAssembly(directory: string, options: { readonly report?: 'required' | 'optional' } = {}): CloudAssemblyEvidence {
  const dir = path.resolve(directory);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new EvidenceError(`There is no cloud assembly at ${directory}. ${RERUN}`);
  }
  const manifestFile = path.join(dir, 'manifest.json');
  if (!existsSync(manifestFile)) {
    throw new EvidenceError(
      `${directory} has no manifest.json: it is not a complete cloud assembly (never synthesized, interrupted, or left over from an old run). ${RERUN}`,
    );
  }
  const stacks: StackTemplate[] = [];
  const cells: string[] = [];
  readAssembly(dir, dir, undefined, stacks, cells);
  if (stacks.length === 0) throw new EvidenceError(`${directory}/manifest.json lists no CloudFormation stacks. ${RERUN}`);

  const reportFile = path.join(dir, 'validation-report.json');
  // `npm run verify` reads only the templates; it may run on an assembly synthesized without the packs.
  if (!existsSync(reportFile) && options.report === 'optional') {
    return { directory: dir, writtenAt: statSync(manifestFile).mtime, cells, stacks, report: { title: '', pluginReports: [] } as unknown as PolicyValidationReportJson };
  }
  if (!existsSync(reportFile)) {
    throw new EvidenceError(
      `${directory} has no validation-report.json, so the compliance results cannot be shown; synthesize the app with its compliance packs. ${RERUN}`,
    );
  }
  const report = readJson<PolicyValidationReportJson>(reportFile, directory);
  if (!Array.isArray(report.pluginReports)) throw new EvidenceError(`${reportFile} has no pluginReports. ${RERUN}`);
  return { directory: dir, writtenAt: statSync(manifestFile).mtime, cells, stacks, report };
}

function readAssembly(root: string, dir: string, cellId: string | undefined, stacks: StackTemplate[], cells: string[]): void {
  const manifest = readJson<AssemblyManifest>(path.join(dir, 'manifest.json'), root);
  for (const [artifactId, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type === NESTED_ASSEMBLY) {
      const nested = artifact.properties as NestedCloudAssemblyProperties;
      const nestedDir = path.join(dir, nested.directoryName);
      const stage = artifact.displayName ?? nested.displayName ?? artifactId;
      if (!existsSync(path.join(nestedDir, 'manifest.json'))) {
        throw new EvidenceError(`${path.relative(root, nestedDir) || nestedDir} (cell ${stage}) has no manifest.json: the assembly is incomplete. ${RERUN}`);
      }
      cells.push(stage);
      readAssembly(root, nestedDir, stage, stacks, cells);
    } else if (artifact.type === STACK) {
      stacks.push(readStack(root, dir, artifactId, artifact, cellId));
    }
  }
}

function readStack(root: string, dir: string, artifactId: string, artifact: ArtifactManifest, cellId: string | undefined): StackTemplate {
  const properties = artifact.properties as AwsCloudFormationStackProperties;
  const file = path.join(dir, properties.templateFile);
  const stackPath = artifact.displayName ?? artifactId;
  const env = /^aws:\/\/([^/]+)\/([^/]+)$/.exec(artifact.environment ?? '');
  if (!env || env[1].startsWith('unknown-') || env[2].startsWith('unknown-')) {
    throw new EvidenceError(`Stack ${stackPath} has no explicit account and region (${artifact.environment}); evidence needs both to prove residency.`);
  }
  if (!existsSync(file)) {
    throw new EvidenceError(`The manifest names ${path.relative(root, file)} for stack ${stackPath}, but the file is missing. ${RERUN}`);
  }
  const text = readFileSync(file, 'utf8');
  let template: CfnTemplate;
  try {
    template = JSON.parse(text) as CfnTemplate;
  } catch (e) {
    throw new EvidenceError(`${path.relative(root, file)} is not valid JSON (${(e as Error).message}). ${RERUN}`);
  }
  const regionsNamed = new Set<string>();
  for (const m of text.matchAll(new RegExp(REGION_PATTERN.source, 'g'))) regionsNamed.add(m[0]);
  return indexStack(
    {
      path: stackPath,
      cellId: cellId ?? stackPath.split('/')[0],
      stackName: properties.stackName ?? artifactId,
      account: env[1],
      region: env[2],
      templateFile: path.relative(root, file),
      sha256: createHash('sha256').update(text).digest('hex'),
      regionsNamed,
    },
    template,
  );
}

function readJson<T>(file: string, root: string): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (e) {
    throw new EvidenceError(`Cannot read ${path.relative(root, file) || file} (${(e as Error).message}). ${RERUN}`);
  }
}
