import { CfnResource, Stack, TagManager } from 'aws-cdk-lib';
import { CfnBucket } from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { CellStage } from '../../cell-stage';

/** What the rules need to know about a cell's resources, built once per cell and validation run. */
export interface CellIndex {
  /** Every named bucket of the cell, by bucket name. */
  readonly buckets: ReadonlyMap<string, CfnBucket>;
}

const indexes = new WeakMap<CellStage, CellIndex>();

export function cellIndex(stage: CellStage): CellIndex {
  let index = indexes.get(stage);
  if (!index) {
    const buckets = new Map<string, CfnBucket>();
    for (const c of stage.node.findAll()) {
      if (c instanceof CfnBucket) {
        const name = Stack.of(c).resolve(c.bucketName);
        if (typeof name === 'string') buckets.set(name, c);
      }
    }
    index = { buckets };
    indexes.set(stage, index);
  }
  return index;
}

const stackResources = new WeakMap<Stack, { all: CfnResource[]; byLogicalId: Map<string, CfnResource> }>();

/** Every CfnResource of a stack, indexed once per validation run (rules look them up per resource). */
export function resourcesOf(stack: Stack): { all: CfnResource[]; byLogicalId: Map<string, CfnResource> } {
  let entry = stackResources.get(stack);
  if (!entry) {
    const all = stack.node.findAll().filter((c: IConstruct): c is CfnResource => CfnResource.isCfnResource(c) && Stack.of(c) === stack);
    entry = { all, byLogicalId: new Map(all.map((r) => [stack.resolve(r.logicalId) as string, r])) };
    stackResources.set(stack, entry);
  }
  return entry;
}

/** The CfnResource of a stack with a given logical id, if any. */
export function resourceByLogicalId(stack: Stack, logicalId: string): CfnResource | undefined {
  return resourcesOf(stack).byLogicalId.get(logicalId);
}

/** A resource's tags, if it is taggable. */
export function tagsOf(resource: CfnResource | undefined): Record<string, string> {
  return (resource ? TagManager.of(resource)?.tagValues() : undefined) ?? {};
}
