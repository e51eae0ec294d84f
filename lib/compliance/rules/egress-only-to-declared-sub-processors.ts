import { CfnResource, Stack } from 'aws-cdk-lib';
import { CfnSecurityGroup, CfnSecurityGroupEgress } from 'aws-cdk-lib/aws-ec2';
import { CfnFirewallDomainList, CfnFirewallRuleGroup, CfnFirewallRuleGroupAssociation } from 'aws-cdk-lib/aws-route53resolver';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { CellStage } from '../../cell-stage';

/** An egress rule as the L1 construct holds it (camel-case property names). */
interface Egress {
  cidrIp?: string;
  cidrIpv6?: string;
  ipProtocol?: string;
  fromPort?: number;
  toPort?: number;
}

/** aws-cdk-lib's placeholder rule of a group that allows no egress at all: it matches no traffic. */
const isNoEgressPlaceholder = (e: Egress) => e.cidrIp === '255.255.255.255/32' && e.ipProtocol === 'icmp' && e.fromPort === 252 && e.toPort === 86;

function ipv4(address: string): number {
  return address.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

/** Whether `cidr` lies wholly inside `outer`. */
function inside(cidr: string, outer: string): boolean {
  const [a, aBits] = cidr.split('/');
  const [b, bBits] = outer.split('/');
  if (Number(aBits) < Number(bBits)) return false;
  const size = 2 ** (32 - Number(bBits));
  return Math.floor(ipv4(a) / size) === Math.floor(ipv4(b) / size);
}

const firewalled = new WeakMap<CellStage, boolean>();

/**
 * Whether the cell's VPC resolves names only through a DNS firewall whose rule group allows a list
 * of names and then blocks every other name: looked up once per cell and validation run.
 */
function cellHasBlockingDnsFirewall(stage: CellStage): boolean {
  let known = firewalled.get(stage);
  if (known === undefined) {
    const all = stage.node.findAll();
    const lists = new Map(all.filter((c): c is CfnFirewallDomainList => c instanceof CfnFirewallDomainList).map((l) => [l.attrId, l]));
    const groups = all.filter((c): c is CfnFirewallRuleGroup => c instanceof CfnFirewallRuleGroup);
    const blocking = groups.filter((g) => {
      const rules = ((Stack.of(g).resolve(g.firewallRules) ?? []) as Array<{ firewallDomainListId?: unknown; priority?: number; action?: string }>).slice();
      rules.sort((x, y) => (x.priority ?? 0) - (y.priority ?? 0));
      const last = rules.at(-1);
      const list = [...lists.values()].find((l) => JSON.stringify(Stack.of(l).resolve(l.attrId)) === JSON.stringify(last?.firewallDomainListId));
      return last?.action === 'BLOCK' && list !== undefined && JSON.stringify(Stack.of(list).resolve(list.domains)) === '["*"]';
    });
    known = all.some(
      (c) => c instanceof CfnFirewallRuleGroupAssociation && blocking.some((g) => JSON.stringify(Stack.of(g).resolve(g.attrId)) === JSON.stringify(Stack.of(c).resolve(c.firewallRuleGroupId))),
    );
    firewalled.set(stage, known);
  }
  return known;
}

/**
 * A security group may send to the internet (any address outside the cell's VPC) only HTTPS on
 * port 443, and only in a cell whose VPC resolves names through a DNS firewall that blocks every
 * name but the declared sub-processors' and the cell's AWS names: then a host name can only be one
 * the allow-list governs. Findings name the rule that opens more.
 */
export function EgressOnlyToDeclaredSubProcessors(node: CfnResource): NagRuleResult {
  let rules: Egress[];
  if (node instanceof CfnSecurityGroup) rules = (Stack.of(node).resolve(node.securityGroupEgress) ?? []) as Egress[];
  else if (node instanceof CfnSecurityGroupEgress) {
    const r = Stack.of(node).resolve({ cidrIp: node.cidrIp, cidrIpv6: node.cidrIpv6, ipProtocol: node.ipProtocol, fromPort: node.fromPort, toPort: node.toPort });
    rules = [r as Egress];
  } else return NagRuleCompliance.NOT_APPLICABLE;
  const stage = CellStage.of(node);
  if (!stage) return NagRuleCompliance.NOT_APPLICABLE;
  const findings: string[] = [];
  for (const e of rules) {
    if (isNoEgressPlaceholder(e)) continue;
    const destination = e.cidrIp ?? e.cidrIpv6;
    // Security groups, prefix lists (the S3 gateway endpoint) and addresses inside the VPC are not the internet.
    if (typeof destination !== 'string') continue;
    if (e.cidrIp && inside(e.cidrIp, stage.cell.vpcCidr)) continue;
    const https = e.ipProtocol === 'tcp' && e.fromPort === 443 && e.toPort === 443;
    if (!https) findings.push(`internet-egress-not-https:${destination}:${String(e.ipProtocol)}:${String(e.fromPort ?? 'all')}-${String(e.toPort ?? 'all')}`);
    else if (!cellHasBlockingDnsFirewall(stage)) findings.push(`internet-egress-without-dns-firewall:${destination}`);
  }
  return findings.length > 0 ? findings : NagRuleCompliance.COMPLIANT;
}
