import { endpointsFor } from '../../config';
import { breakGlassRoleName, credentialBrokerRoleName, roleArn, tenantAccessRoleName } from '../../naming';
import { CellEvidence } from '../cell-evidence';
import { blocks, cell, code, table } from '../markdown';
import { ResourceRef, asList, props, statementsOf } from '../template';

/**
 * Evidence of the voice data path (issue 13), as three small tables placed in the existing sections:
 * who can obtain each clinic's role (access control), every host the voice service may reach next to
 * its contract (sub-processors), and every hop of a call with its protocol and minimum TLS (transmission).
 */

const matches = (pattern: string, value: string) =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(value);

/** The role names (or ids) whose policies in the cell's templates allow sts:AssumeRole on `arn`. */
function rolesGrantedAssume(ev: CellEvidence, arn: string): string[] {
  const names = new Set<string>();
  const roleName = (ref: ResourceRef, value: unknown) => {
    const id = typeof value === 'object' && value !== null && 'Ref' in value ? String((value as { Ref: unknown }).Ref) : String(value);
    return String(ref.stack.template.Resources?.[id]?.Properties?.RoleName ?? id);
  };
  const grants = (s: Record<string, any>) =>
    s.Effect === 'Allow' &&
    (s.NotAction ? !asList<string>(s.NotAction).some((a) => matches(a, 'sts:AssumeRole')) : asList<string>(s.Action).some((a) => matches(a, 'sts:AssumeRole'))) &&
    (s.NotResource !== undefined || asList(s.Resource).some((r) => (typeof r === 'string' ? matches(r, arn) : JSON.stringify(r).includes(arn))));
  for (const p of ev.resources('AWS::IAM::ManagedPolicy', 'AWS::IAM::Policy')) {
    if (statementsOf(props(p).PolicyDocument).some(grants)) for (const r of asList(props(p).Roles)) names.add(roleName(p, r));
  }
  for (const role of ev.resources('AWS::IAM::Role')) {
    if (asList<Record<string, any>>(props(role).Policies).some((pol) => statementsOf(pol.PolicyDocument).some(grants))) names.add(String(props(role).RoleName ?? role.logicalId));
  }
  return [...names].sort();
}

/** Per clinic: the principals its role's trust policy names, and the roles whose policies may assume it. */
export function clinicRoleAccess(ev: CellEvidence): string {
  const broker = roleArn(ev.naming, credentialBrokerRoleName(ev.naming));
  const breakGlass = roleArn(ev.naming, breakGlassRoleName(ev.naming));
  const rows = ev.tenants.map((tenant) => {
    const name = tenantAccessRoleName(ev.naming, tenant.id);
    const role = ev.resources('AWS::IAM::Role').find((r) => props(r).RoleName === name);
    if (!role) return [cell(`**no role ${name} in the templates**`), '', '', ''];
    const trusted = [...new Set(statementsOf(props(role).AssumeRolePolicyDocument).flatMap((s) => asList<string>(s.Condition?.ArnEquals?.['aws:PrincipalArn'])))].sort();
    const granted = rolesGrantedAssume(ev, roleArn(ev.naming, name));
    const only = trusted.every((t) => t === broker || t === breakGlass) && granted.every((g) => g === credentialBrokerRoleName(ev.naming));
    // The role's name carries the clinic id: clinics whose roles read the same are one row (compact.ts).
    const own = `arn:aws:iam::${ev.cell.account}:role/`;
    return [ev.label(role), cell(trusted.map((t) => (t.startsWith(own) ? `role/${t.slice(own.length)}` : t)).join('\n')), cell(granted.join('\n') || 'none'), cell(only ? 'yes' : '**no**')];
  });
  return blocks(
    '#### Who can obtain each clinic\'s role',
    `A clinic's data is reached through its role only. Its trust policy names who may assume it (\`aws:PrincipalArn\`, the account as principal); a principal of the account also needs a policy allowing \`sts:AssumeRole\` on it. The credential broker (${code(credentialBrokerRoleName(ev.naming))}) assumes it only for a call to that clinic's number whose telephony signature it verified, with the call as source identity; break-glass (${code(breakGlassRoleName(ev.naming))}) is for incidents and alerts on every use. The voice service itself holds no access to any clinic.`,
    table(['Role of each clinic', 'Trusted principals (trust policy; `role/`: of this account)', 'Roles whose policies allow sts:AssumeRole on it', 'Only broker and break-glass'], rows, '_This cell has no clinics._'),
  );
}

/** Every host name the voice service may reach, next to the sub-processor and contract that cover it, and whether the DNS firewall allows it. */
export function allowedEndpoints(ev: CellEvidence): string {
  const j = ev.cell.jurisdiction;
  const lists = ev.resources('AWS::Route53Resolver::FirewallDomainList');
  const allowList = lists.find((l) => !asList(props(l).Domains).includes('*'));
  const allowed = new Set(asList<string>(allowList ? props(allowList).Domains : []));
  const blocksRest = lists.some((l) => JSON.stringify(props(l).Domains) === '["*"]');
  const contract = (a: { signed: boolean; date?: string }, what: string) => (a.signed ? `${what} signed ${a.date ?? ''}`.trim() : `**no ${what}**`);
  const byId = new Map(ev.config.subProcessors.map((sp) => [sp.id, sp]));
  const rows = ev.cell.subProcessors.flatMap((id) => {
    const sp = byId.get(id);
    if (!sp) return [];
    return endpointsFor(sp, j).map((host) => [
      code(host),
      cell(sp.name),
      cell(j === 'US' ? contract(sp.baa, 'BAA') : `${contract(sp.dpa, 'DPA')}; ${contract(sp.baa, 'BAA')}`),
      cell(allowed.has(host) ? 'allowed' : '**not in the allow-list**'),
    ]);
  });
  const aws = [...allowed].filter((d) => /\.amazonaws\.com$|\.internal$/.test(d)).sort();
  return blocks(
    '### Endpoints the voice service may reach',
    `Source: \`subProcessors[].endpoints\` (config) and the Route 53 Resolver DNS Firewall (Network template), which answers only the names it allows and ${blocksRest ? 'blocks every other name' : '**does not block other names**'}; security groups let the voice service send only HTTPS (443) to the internet. A connection to a bare IP address, without a DNS query, is not governed by the firewall (README, "Egress").`,
    table(['Host name', 'Sub-processor', `Contract (${j})`, 'DNS firewall'], rows, '_No sub-processor endpoints._'),
    `AWS names of the cell's own endpoints, also allowed: ${aws.map(code).join(', ') || 'none'}.`,
  );
}

/** The minimum TLS version a listener security policy allows, from its name. */
function minimumTlsOfPolicy(policy: unknown): string {
  const m = /^ELBSecurityPolicy-TLS13-1-([0-3])-/.exec(String(policy));
  return m ? `TLS 1.${m[1]}` : `see policy ${String(policy)}`;
}

/** Every hop of a call, with its protocol and minimum TLS version, from the templates where they say it. */
export function callHops(ev: CellEvidence): string {
  const https = ev.resources('AWS::ElasticLoadBalancingV2::Listener').find((l) => props(l).Protocol === 'HTTPS');
  const groups = ev.resources('AWS::ElasticLoadBalancingV2::TargetGroup');
  const db = ev.resources('AWS::RDS::DBInstance', 'AWS::RDS::DBCluster')[0];
  const params = ev.resources('AWS::RDS::DBParameterGroup', 'AWS::RDS::DBClusterParameterGroup').map((g) => props(g).Parameters ?? {});
  const forced = params.some((p) => String(p['rds.force_ssl']) === '1');
  const dbMin = params.map((p) => p.ssl_min_protocol_version).find((v) => v !== undefined);
  // https://aws.amazon.com/blogs/security/tls-1-2-required-for-aws-endpoints/
  const awsApi = 'TLS 1.2 (AWS API¹)';
  const rows: string[][] = [
    [
      cell('telephony provider → load balancer (webhooks, media stream)'),
      https ? cell(`HTTPS / WSS on ${props(https).Port}`) : cell('**no HTTPS listener**'),
      https ? cell(`${minimumTlsOfPolicy(props(https).SslPolicy)} (policy ${props(https).SslPolicy}); port 80 only redirects`) : '',
    ],
    ...groups.map((g) => {
      const p = props(g);
      const tls = p.Protocol === 'HTTPS';
      // With a TLS 1.3 listener policy, back-end connections use ELBSecurityPolicy-TLS13-1-0-2021-06:
      // https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html
      return [
        cell('load balancer → voice task'),
        cell(`${p.Protocol} ${p.Port}; health checks ${p.HealthCheckProtocol ?? p.Protocol}`),
        cell(tls ? 'TLS 1.2: the load balancer offers TLS 1.0 to 1.3 to targets, the container accepts only TLS 1.2 or later (image contract)' : '**unencrypted**'),
      ];
    }),
    [cell('voice task → credential broker'), cell('HTTPS (Lambda Invoke) through the Lambda VPC endpoint'), cell(awsApi)],
    [cell('credential broker → STS, Secrets Manager'), cell('HTTPS through the VPC endpoints'), cell(awsApi)],
    [
      cell('voice task → database'),
      cell(db ? `PostgreSQL ${props(db).Port ?? 5432}, IAM authentication` : '**no database**'),
      cell(`${forced ? 'TLS required (rds.force_ssl = 1)' : '**TLS not required**'}${dbMin ? `, minimum ${dbMin}` : ''}`),
    ],
    ...ev.cell.subProcessors.map((id) => [
      cell(`voice task → ${ev.config.subProcessors.find((s) => s.id === id)?.name ?? id}`),
      cell('HTTPS 443 to the names above (the only internet egress the security groups allow)'),
      cell('TLS 1.2 (the service\'s HTTPS client refuses older versions: image contract)'),
    ]),
    [cell('voice task → S3 (recordings, transcripts)'), cell('HTTPS through the S3 gateway endpoint'), cell(`${awsApi}; bucket policies deny requests without TLS (below)`)],
    [cell('voice task → KMS'), cell('HTTPS through the KMS VPC endpoint'), cell(awsApi)],
  ];
  return blocks(
    '#### Every hop of a call',
    'From the templates (listener policy, target group, database parameters, security groups), else the minimum AWS documents for the service.',
    table(['Hop', 'Protocol', 'Minimum TLS'], rows),
    '¹ Every AWS API endpoint refuses TLS older than 1.2.',
  );
}
