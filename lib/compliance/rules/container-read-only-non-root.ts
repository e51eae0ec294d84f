import { CfnResource, Stack } from 'aws-cdk-lib';
import { CfnTaskDefinition } from 'aws-cdk-lib/aws-ecs';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';

/**
 * Every container of every ECS task definition has a read-only root filesystem and runs as a
 * named non-root user. Findings name the container and what is wrong.
 */
export function ContainerReadOnlyNonRoot(node: CfnResource): NagRuleResult {
  if (!(node instanceof CfnTaskDefinition)) return NagRuleCompliance.NOT_APPLICABLE;
  const containers = (Stack.of(node).resolve(node.containerDefinitions) ?? []) as Array<{
    name?: string;
    user?: string;
    readonlyRootFilesystem?: boolean;
    privileged?: boolean;
  }>;
  const findings: string[] = [];
  for (const c of containers) {
    const name = c.name ?? 'unnamed';
    if (c.readonlyRootFilesystem !== true) findings.push(`${name}:writable-root-filesystem`);
    const user = String(c.user ?? '').split(':')[0];
    if (user === '' || user === 'root' || user === '0') findings.push(`${name}:runs-as-root`);
    if (c.privileged === true) findings.push(`${name}:privileged`);
  }
  return findings.length > 0 ? findings : NagRuleCompliance.COMPLIANT;
}
