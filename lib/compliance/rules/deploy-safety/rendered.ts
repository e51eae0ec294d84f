import { CfnResource, Stack } from 'aws-cdk-lib';
import { resourceByLogicalId } from '../cell-index';

/** A resource as its template will show it: properties with overrides applied, DependsOn and policies. */
export interface RenderedResource {
  readonly Type: string;
  readonly Properties: Record<string, any>;
  readonly DependsOn: string[];
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

/**
 * Renders one resource the way synthesis writes it into the template, so that a rule sees property
 * overrides (which `cfnProperties` does not) and the DependsOn that construct dependencies become.
 */
export function rendered(node: CfnResource): RenderedResource {
  const stack = Stack.of(node);
  const fragment = stack.resolve((node as unknown as { _toCloudFormation(): object })._toCloudFormation()) as {
    Resources?: Record<string, any>;
  };
  const resource = Object.values(fragment.Resources ?? {})[0] ?? {};
  const dependsOn = resource.DependsOn;
  return {
    Type: resource.Type ?? node.cfnResourceType,
    Properties: resource.Properties ?? {},
    DependsOn: dependsOn === undefined ? [] : Array.isArray(dependsOn) ? dependsOn : [dependsOn],
    DeletionPolicy: resource.DeletionPolicy,
    UpdateReplacePolicy: resource.UpdateReplacePolicy,
  };
}

/** The types of the resources a resource's DependsOn names, in its own stack. */
export function dependsOnTypes(node: CfnResource): Set<string> {
  const stack = Stack.of(node);
  return new Set(rendered(node).DependsOn.map((id) => resourceByLogicalId(stack, id)?.cfnResourceType).filter((t): t is string => !!t));
}
