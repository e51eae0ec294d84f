import { CellEvidence } from '../cell-evidence';
import { blocks, cell, table, yesNo } from '../markdown';
import { tlsDenyOf } from '../policies';
import { ResourceRef, asList, props } from '../template';
import { resourcePolicies } from './resource-policies';
import { callHops } from './voice-data-path';

/** A network endpoint of the cell and how it protects data in transit. */
export interface TransitEndpoint {
  readonly ref: ResourceRef;
  readonly kind: string;
  readonly protocol: string;
  readonly tls: string;
}

/** Every listener, database, VPC endpoint and delivery endpoint, with its TLS settings from the templates. */
export function transitEndpoints(ev: CellEvidence): TransitEndpoint[] {
  const out: TransitEndpoint[] = [];
  for (const l of ev.resources('AWS::ElasticLoadBalancingV2::Listener')) {
    const p = props(l);
    const lb = ev.index.target(p.LoadBalancerArn, l.stack);
    const redirect = asList<Record<string, any>>(p.DefaultActions).find((a) => a.Type === 'redirect')?.RedirectConfig;
    const tls = p.SslPolicy
      ? `TLS policy ${p.SslPolicy}`
      : redirect
        ? `no TLS here: answers only with a redirect to ${redirect.Protocol ?? '#{protocol}'}:${redirect.Port ?? '#{port}'} (${redirect.StatusCode})`
        : `**unencrypted ${p.Protocol}**`;
    out.push({ ref: l, kind: `listener of ${lb ? ev.name(lb) : 'load balancer'}`, protocol: `${p.Protocol} ${p.Port}`, tls });
  }
  const groups = ev.resources('AWS::RDS::DBParameterGroup', 'AWS::RDS::DBClusterParameterGroup');
  for (const db of ev.resources('AWS::RDS::DBInstance', 'AWS::RDS::DBCluster')) {
    const p = props(db);
    const group = groups.find((g) => [p.DBParameterGroupName, p.DBClusterParameterGroupName].some((v) => v !== undefined && ev.index.target(v, db.stack) === g));
    const params = (group ? props(group).Parameters : undefined) ?? {};
    const forced = String(params['rds.force_ssl'] ?? '') === '1';
    out.push({
      ref: db,
      kind: `database (${p.Engine ?? 'engine not set'})`,
      protocol: `port ${p.Port ?? 'engine default'}`,
      tls: `${forced ? 'TLS required (rds.force_ssl = 1)' : '**TLS not required** (rds.force_ssl not set)'}${params.ssl_min_protocol_version ? `, minimum ${params.ssl_min_protocol_version}` : ''}${p.CACertificateIdentifier ? `, server certificate CA ${p.CACertificateIdentifier}` : ''}`,
    });
  }
  for (const e of ev.resources('AWS::EC2::VPCEndpoint')) {
    const p = props(e);
    out.push({
      ref: e,
      kind: `VPC ${p.VpcEndpointType ?? 'Gateway'} endpoint`,
      protocol: ev.show(p.ServiceName, e.stack),
      tls: p.VpcEndpointType === 'Interface' ? `HTTPS to the AWS API inside the VPC; private DNS: ${yesNo(p.PrivateDnsEnabled)}` : 'route that keeps traffic to the service on the AWS network; TLS is required by the resource policies below',
    });
  }
  for (const s of ev.resources('AWS::KinesisFirehose::DeliveryStream')) {
    const http = props(s).HttpEndpointDestinationConfiguration;
    if (!http) continue;
    const url = ev.show(http.EndpointConfiguration?.Url, s.stack);
    out.push({ ref: s, kind: 'delivery to an external HTTP endpoint', protocol: url, tls: url.startsWith('https://') ? 'HTTPS' : '**not HTTPS**' });
  }
  return out;
}

/** 164.312(e)(1) transmission security. */
export function transmissionSecurity(ev: CellEvidence): string {
  const endpoints = transitEndpoints(ev).map((e) => [ev.label(e.ref), cell(e.kind), cell(e.protocol), cell(e.tls)]);
  const policies = resourcePolicies(ev).flatMap(({ target, targetName, statements }) => {
    const tls = statements.map(tlsDenyOf);
    const deny = tls.some((t) => t.denyWithoutTls);
    const minimum = tls.find((t) => t.minimumTls)?.minimumTls;
    return [[target ? ev.label(target) : cell(targetName), cell(deny ? 'yes' : '**no**'), cell(minimum ? `TLS ${minimum}` : 'not set')]];
  });
  return blocks(
    '### (e) Transmission security — 45 CFR 164.312(e)(1)',
    callHops(ev),
    '#### Endpoints',
    table(['Endpoint', 'Kind', 'Protocol and port / service', 'Encryption in transit'], endpoints),
    '#### Resource policies that refuse unencrypted requests',
    'A deny on `aws:SecureTransport = false` refuses every request not made over TLS; a deny on `s3:TlsVersion` below a version refuses older TLS versions.',
    table(['Resource', 'Denies requests without TLS', 'Minimum TLS version'], policies),
  );
}
