import { CfnResource, Stack } from 'aws-cdk-lib';
import { CfnTaskDefinition } from 'aws-cdk-lib/aws-ecs';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';

/**
 * Every container of a Fargate task has its own hard memory limit, no larger than the task's: a
 * container without one is bounded only by the task, so a leak in one container starves the
 * others, and ECS cannot say which container ran out of memory.
 * Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#container_definition_memory
 */
export function ContainerMemoryLimit(node: CfnResource): NagRuleResult {
  if (!(node instanceof CfnTaskDefinition)) return NagRuleCompliance.NOT_APPLICABLE;
  const stack = Stack.of(node);
  const taskMemory = Number(stack.resolve(node.memory));
  const containers = (stack.resolve(node.containerDefinitions) ?? []) as Array<{ name?: string; memory?: number }>;
  const findings: string[] = [];
  for (const c of containers) {
    const name = c.name ?? 'unnamed';
    if (c.memory === undefined) findings.push(`${name}:no-hard-memory-limit`);
    else if (Number.isFinite(taskMemory) && c.memory > taskMemory) findings.push(`${name}:memory-above-task`);
  }
  return findings.length > 0 ? findings : NagRuleCompliance.COMPLIANT;
}
