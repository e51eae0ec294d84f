import { CellEvidence } from '../cell-evidence';
import { groupBy } from '../compact';
import { resourceSet } from '../sets';
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

/** The hop from a load balancer's listener to the service behind it, as its target group defines it. */
export interface TargetHop {
  readonly listener: ResourceRef;
  readonly loadBalancer?: ResourceRef;
  readonly targetGroup: ResourceRef;
  readonly service?: ResourceRef;
  /** `HTTPS 443`, as the listener answers callers. */
  readonly listenerLabel: string;
  /** `HTTP 8080`, as the load balancer talks to the targets (the target group's Protocol and Port). */
  readonly targetLabel: string;
  /** Whether the hop to the targets is TLS (target group protocol HTTPS or TLS). */
  readonly targetTls: boolean;
}

/** Each listener → target group → ECS service hop; the protocol to the targets comes from the target group, never from the listener. */
export function targetHops(ev: CellEvidence): TargetHop[] {
  const services = ev.resources('AWS::ECS::Service');
  return ev.resources('AWS::ElasticLoadBalancingV2::Listener').flatMap((l) => {
    const p = props(l);
    return asList<Record<string, any>>(p.DefaultActions)
      .filter((a) => a.TargetGroupArn)
      .flatMap((action) => {
        const group = ev.index.target(action.TargetGroupArn, l.stack);
        if (!group) return [];
        const g = props(group);
        const service = services.find((s) => asList<Record<string, any>>(props(s).LoadBalancers).some((b) => ev.index.target(b.TargetGroupArn, s.stack) === group));
        // ELB: a target group's Protocol is how the load balancer connects to its targets (HTTPS means TLS to the target).
        // https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html#target-group-routing-configuration
        const targetTls = g.Protocol === 'HTTPS' || g.Protocol === 'TLS';
        return [{
          listener: l,
          loadBalancer: ev.index.target(p.LoadBalancerArn, l.stack),
          targetGroup: group,
          service,
          listenerLabel: `${p.Protocol} ${p.Port}${p.SslPolicy ? ` TLS (${p.SslPolicy})` : ''}`,
          targetLabel: `${g.Protocol ?? 'protocol not set'} ${g.Port ?? ''}${targetTls ? ' TLS' : ', unencrypted'}`.trim(),
          targetTls,
        }];
      });
  });
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
  for (const hop of targetHops(ev)) {
    out.push({
      ref: hop.targetGroup,
      kind: `load balancer to ${hop.service ? ev.name(hop.service) : 'its targets'} (target group)`,
      protocol: hop.targetLabel.replace(/( TLS|, unencrypted)$/, ''),
      tls: hop.targetTls ? `TLS from the load balancer to the container` : `**unencrypted ${props(hop.targetGroup).Protocol ?? ''}** from the load balancer to the container, inside the VPC`,
    });
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
  const transit = transitEndpoints(ev);
  for (const { ref } of transit) ev.labelled.add(ref);
  // Interface endpoints differ only by their service: one row lists them all.
  const endpoints = groupBy(
    transit.map((e) => ({ e, service: e.kind === 'VPC Interface endpoint' ? /^com\.amazonaws\.[^.]+\.(.+)$/.exec(e.protocol)?.[1] : undefined })),
    ({ e, service }) => (service ? `${e.kind}\u0000${e.protocol.replace(service, '<service>')}\u0000${e.tls}` : `\u0001${e.ref.stack.path}/${e.ref.logicalId}`),
  ).map(([, xs]) =>
    xs.length === 1 || !xs[0].service
      ? [ev.label(xs[0].e.ref), cell(xs[0].e.kind), cell(xs[0].e.protocol), cell(xs[0].e.tls)]
      : [cell(`${xs.length} endpoints: ${xs.map((x) => x.service).join(', ')}`), cell(`${xs[0].e.kind}s`), cell(xs[0].e.protocol.replace(xs[0].service!, '<service>')), cell(xs[0].e.tls)],
  );
  // Resources of the same kind whose policies say the same are one row, named by kind with clinic ids written <clinic>.
  const policies = groupBy(
    resourcePolicies(ev).map(({ target, targetName, statements }) => {
      const tls = statements.map(tlsDenyOf);
      const minimum = tls.find((t) => t.minimumTls)?.minimumTls;
      return { name: target ? ev.name(target) : targetName, kind: target?.resource.Type ?? '', deny: tls.some((t) => t.denyWithoutTls), minimum };
    }),
    (x) => `${x.kind}\u0000${x.deny}\u0000${x.minimum}`,
  ).map(([, xs]) => [
    cell(resourceSet(ev, xs[0].kind, xs.map((x) => x.name))),
    cell(xs[0].deny ? 'yes' : '**no**'),
    cell(xs[0].minimum ? `TLS ${xs[0].minimum}` : 'not set'),
  ]);
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
