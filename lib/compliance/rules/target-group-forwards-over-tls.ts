import { CfnResource, Stack } from 'aws-cdk-lib';
import { CfnTargetGroup } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';

/**
 * Every load balancer target group forwards to its targets over HTTPS (or TLS) and checks their
 * health over HTTPS (or TLS). A Lambda target group has no protocol and is not applicable.
 */
export function TargetGroupForwardsOverTls(node: CfnResource): NagRuleResult {
  if (!(node instanceof CfnTargetGroup)) return NagRuleCompliance.NOT_APPLICABLE;
  const stack = Stack.of(node);
  if (stack.resolve(node.targetType) === 'lambda') return NagRuleCompliance.NOT_APPLICABLE;
  const protocol = stack.resolve(node.protocol);
  const health = stack.resolve(node.healthCheckProtocol);
  const tls = (p: unknown) => p === 'HTTPS' || p === 'TLS';
  const findings: string[] = [];
  if (!tls(protocol)) findings.push(`forwards-over-${String(protocol ?? 'unset').toLowerCase()}`);
  // Unset, the health check uses the target group's protocol.
  if (!tls(health ?? protocol)) findings.push(`health-check-over-${String(health ?? protocol ?? 'unset').toLowerCase()}`);
  return findings.length > 0 ? findings : NagRuleCompliance.COMPLIANT;
}
