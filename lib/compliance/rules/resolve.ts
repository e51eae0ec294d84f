import { CfnResource, Stack } from 'aws-cdk-lib';

/** A resource's properties as they will appear in the template (tokens resolved to intrinsics). */
export function resolvedProperties(node: CfnResource): Record<string, unknown> {
  // cfnProperties is what the resource renders into its template's Properties block.
  const props = (node as unknown as { cfnProperties: Record<string, unknown> }).cfnProperties;
  return (Stack.of(node).resolve(props) ?? {}) as Record<string, unknown>;
}
