import { CfnResource, Stack } from 'aws-cdk-lib';
import { CfnListener } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';

/**
 * TLS 1.3 policies of ELB with TLS 1.2 or 1.3 as the minimum, excluding the "Ext" variants that
 * add CBC and SHA-1 ciphers for old clients.
 */
const TLS13_POLICY = /^ELBSecurityPolicy-TLS13-1-[23]-(?!Ext)/;

interface Action {
  type?: string;
  redirectConfig?: { protocol?: string; port?: string; statusCode?: string };
}

/**
 * Every load balancer listener either serves HTTPS with a TLS 1.3 security policy (TLS 1.2
 * minimum), or does nothing but redirect permanently to HTTPS. Findings name what is wrong.
 */
export function ListenerTls13OrRedirect(node: CfnResource): NagRuleResult {
  if (!(node instanceof CfnListener)) return NagRuleCompliance.NOT_APPLICABLE;
  const stack = Stack.of(node);
  const protocol = stack.resolve(node.protocol);
  if (protocol === 'HTTPS' || protocol === 'TLS') {
    const policy = stack.resolve(node.sslPolicy);
    return typeof policy === 'string' && TLS13_POLICY.test(policy) ? NagRuleCompliance.COMPLIANT : [`not-tls13-policy:${String(policy)}`];
  }
  const actions = (stack.resolve(node.defaultActions) ?? []) as Action[];
  const redirectsOnly =
    actions.length > 0 &&
    actions.every((a) => a.type === 'redirect' && a.redirectConfig?.protocol === 'HTTPS' && a.redirectConfig?.statusCode === 'HTTP_301');
  return redirectsOnly ? NagRuleCompliance.COMPLIANT : [`plain-${String(protocol).toLowerCase()}-not-redirect-only`];
}
