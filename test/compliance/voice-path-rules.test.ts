import { App } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { CellStage } from '../../lib/cell-stage';
import { fixtureConfig } from '../fixtures/config';
import { synthesize } from '../helpers';

/** Open findings of one of our rules after adding resources to a one-cell app. */
function findingsOf(rule: string, add: (app: App, cells: CellStage[]) => void): string[] {
  return synthesize(fixtureConfig({ cells: 1 }), { extend: add, packs: 'own' })
    .openFindings()
    .filter((f) => f.startsWith(`VoicePlatform-${rule}`));
}

describe('VoicePlatform-EgressOnlyToDeclaredSubProcessors', () => {
  test('fails internet egress other than HTTPS, and passes every security group of ours', () => {
    const findings = findingsOf('EgressOnlyToDeclaredSubProcessors', (_app, [cell]) => {
      const group = new ec2.SecurityGroup(cell.voice, 'Leaky', { vpc: cell.network.vpc, allowAllOutbound: false });
      group.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), 'plain HTTP out');
      group.addEgressRule(ec2.Peer.ipv4('10.10.4.0/24'), ec2.Port.allTraffic(), 'inside the VPC: allowed');
      new ec2.SecurityGroup(cell.voice, 'Open', { vpc: cell.network.vpc, allowAllOutbound: true });
    });
    expect(findings).toEqual([
      'VoicePlatform-EgressOnlyToDeclaredSubProcessors[internet-egress-not-https:0.0.0.0/0:tcp:80-80] @ us-east/Voice/Leaky/Resource',
      'VoicePlatform-EgressOnlyToDeclaredSubProcessors[internet-egress-not-https:0.0.0.0/0:-1:all-all] @ us-east/Voice/Open/Resource',
    ]);
  });

  test('fails HTTPS egress to the internet once the DNS firewall no longer blocks the names outside its allow-list', () => {
    const findings = findingsOf('EgressOnlyToDeclaredSubProcessors', (_app, [cell]) => {
      const firewall = cell.network.dnsFirewall;
      firewall.ruleGroup.firewallRules = [{ firewallDomainListId: firewall.allowList.attrId, priority: 100, action: 'ALLOW' }];
    });
    expect(findings.sort()).toEqual(
      [
        'VoicePlatform-EgressOnlyToDeclaredSubProcessors[internet-egress-without-dns-firewall:0.0.0.0/0] @ us-east/Data/Migrations/SecurityGroup/Resource',
        'VoicePlatform-EgressOnlyToDeclaredSubProcessors[internet-egress-without-dns-firewall:0.0.0.0/0] @ us-east/Voice/ServiceSecurityGroup/Resource',
      ].sort(),
    );
  });
});

describe('VoicePlatform-TargetGroupForwardsOverTls', () => {
  test('fails a target group that forwards over HTTP and one whose health check is HTTP, and passes the voice service', () => {
    const findings = findingsOf('TargetGroupForwardsOverTls', (_app, [cell]) => {
      new elbv2.ApplicationTargetGroup(cell.voice, 'PlainTargets', { vpc: cell.network.vpc, port: 8080, protocol: elbv2.ApplicationProtocol.HTTP, targetType: elbv2.TargetType.IP });
      new elbv2.ApplicationTargetGroup(cell.voice, 'PlainHealth', {
        vpc: cell.network.vpc,
        port: 8443,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        targetType: elbv2.TargetType.IP,
        healthCheck: { protocol: elbv2.Protocol.HTTP },
      });
    });
    expect(findings).toEqual([
      'VoicePlatform-TargetGroupForwardsOverTls[forwards-over-http] @ us-east/Voice/PlainTargets/Resource',
      'VoicePlatform-TargetGroupForwardsOverTls[health-check-over-http] @ us-east/Voice/PlainTargets/Resource',
      'VoicePlatform-TargetGroupForwardsOverTls[health-check-over-http] @ us-east/Voice/PlainHealth/Resource',
    ]);
  });
});
