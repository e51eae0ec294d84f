import { CfnResource, Reference, Stack, Token, Tokenization } from 'aws-cdk-lib';
import { CfnBucket } from 'aws-cdk-lib/aws-s3';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { CellStage } from '../../cell-stage';
import { isRegionIn } from '../../config/jurisdictions';
import { cellIndex, resourceByLogicalId } from './cell-index';

/** Firehose destinations this rule can prove to stay in the cell; any other type is a finding. */
const S3_DESTINATIONS = ['extendeds3destinationconfiguration', 's3destinationconfiguration'];
const HTTP_DESTINATION = 'httpendpointdestinationconfiguration';

/** Where a property points: a resource of this app, a literal, or something this rule cannot follow. */
export type Target = { resource: IConstruct } | { literal: string } | { unknown: true };

/**
 * No subscription filter or delivery stream sends logs outside the cell's jurisdiction: a
 * subscription's destination is a resource of this app in a jurisdiction region and the cell's
 * account; a delivery stream writes only to buckets of the same cell and to the cell's configured
 * SIEM URL, and has no other destination type. Findings name the destination that is wrong, for
 * example `destination-outside-US:eu-west-1`, `s3-bucket-not-in-cell:<name>`,
 * `http-endpoint-not-configured-siem:<url>` or `destination-type-not-allowed:Splunk`.
 */
export function LogDeliveryInJurisdiction(node: CfnResource): NagRuleResult {
  const type = node.cfnResourceType;
  if (type !== 'AWS::Logs::SubscriptionFilter' && type !== 'AWS::KinesisFirehose::DeliveryStream') {
    return NagRuleCompliance.NOT_APPLICABLE;
  }
  const stage = CellStage.of(node);
  if (!stage) return NagRuleCompliance.NOT_APPLICABLE;

  const props = (node as unknown as { cfnProperties: Record<string, unknown> }).cfnProperties ?? {};
  const findings =
    type === 'AWS::Logs::SubscriptionFilter'
      ? subscriptionFindings(node, stage, field(node, props, 'DestinationArn'))
      : deliveryStreamFindings(node, stage, props);
  return findings.length > 0 ? [...new Set(findings)] : NagRuleCompliance.COMPLIANT;
}

/** A subscription's destination: a resource of this app, in the jurisdiction and the cell's account. */
function subscriptionFindings(node: CfnResource, stage: CellStage, destination: unknown, depth = 0): string[] {
  const { cell } = stage;
  const target = targetOf(node, destination);
  if ('resource' in target) {
    const stack = Stack.of(target.resource);
    const findings = placementFindings(stage, stack.region, stack.account);
    // A CloudWatch Logs destination forwards again: follow it once.
    const resource = target.resource;
    if (depth === 0 && CfnResource.isCfnResource(resource) && resource.cfnResourceType === 'AWS::Logs::Destination') {
      const props = (resource as unknown as { cfnProperties: Record<string, unknown> }).cfnProperties ?? {};
      findings.push(...subscriptionFindings(resource, stage, field(resource, props, 'TargetArn'), depth + 1));
    }
    return findings;
  }
  if ('literal' in target) {
    const arn = /^arn:[^:]+:[^:]+:([^:]*):([^:]*):/.exec(target.literal);
    if (!arn) return [`destination-not-an-arn:${target.literal}`];
    return [...placementFindings(stage, arn[1], arn[2] || cell.account), 'destination-not-in-app'];
  }
  return ['destination-not-in-app'];
}

/**
 * The S3 buckets a delivery stream writes to (destination, backup and failed-data buckets), each as
 * the bucket resource of this app it references, a literal ARN, or something that cannot be followed.
 */
export function deliveryStreamBuckets(node: CfnResource): Target[] {
  const props = (node as unknown as { cfnProperties: Record<string, unknown> }).cfnProperties ?? {};
  const targets: Target[] = [];
  for (const [key, raw] of Object.entries(props)) {
    if (raw === undefined || !/DestinationConfiguration$/i.test(key)) continue;
    const config = resolveObject(node, raw);
    for (const holder of [config, field(node, config, 'S3BackupConfiguration'), field(node, config, 'S3Configuration')]) {
      const arn = holder === undefined ? undefined : field(node, holder, 'BucketARN');
      if (arn !== undefined) targets.push(targetOf(node, arn));
    }
  }
  return targets;
}

/** A delivery stream's destinations: buckets of the cell, the configured SIEM, nothing else. */
function deliveryStreamFindings(node: CfnResource, stage: CellStage, props: Record<string, unknown>): string[] {
  const findings: string[] = [];
  for (const [key, raw] of Object.entries(props)) {
    if (raw === undefined || !/DestinationConfiguration$/i.test(key)) continue;
    const config = resolveObject(node, raw);
    const kind = key.toLowerCase();
    if (S3_DESTINATIONS.includes(kind)) {
      findings.push(...bucketFindings(node, stage, field(node, config, 'BucketARN')));
      const backup = field(node, config, 'S3BackupConfiguration');
      if (backup !== undefined) findings.push(...bucketFindings(node, stage, field(node, backup, 'BucketARN')));
    } else if (kind === HTTP_DESTINATION) {
      const url = targetOf(node, field(node, field(node, config, 'EndpointConfiguration'), 'Url'));
      const siemUrl = stage.cell.siem?.url;
      if (!('literal' in url)) findings.push('http-endpoint-url-unresolvable');
      else if (siemUrl === undefined) findings.push(`http-endpoint-without-configured-siem:${url.literal}`);
      else if (url.literal !== siemUrl) findings.push(`http-endpoint-not-configured-siem:${url.literal}`);
      findings.push(...bucketFindings(node, stage, field(node, field(node, config, 'S3Configuration'), 'BucketARN')));
    } else {
      const name = key.replace(/DestinationConfiguration$/i, '');
      findings.push(`destination-type-not-allowed:${name.charAt(0).toUpperCase()}${name.slice(1)}`);
    }
  }
  return findings;
}

/** An S3 destination is a bucket made in this cell: referenced, or named literally. */
function bucketFindings(node: CfnResource, stage: CellStage, bucketArn: unknown): string[] {
  const target = targetOf(node, bucketArn);
  if ('resource' in target) {
    const bucket = target.resource;
    if (!(bucket instanceof CfnBucket) || CellStage.of(bucket) !== stage) return [`s3-bucket-outside-cell:${bucket.node.path}`];
    const stack = Stack.of(bucket);
    return placementFindings(stage, stack.region, stack.account);
  }
  if ('literal' in target) {
    const name = /^arn:[^:]+:s3:::([^/]+)$/.exec(target.literal)?.[1];
    if (!name) return [`s3-destination-not-a-bucket-arn:${target.literal}`];
    const cellBucket = cellIndex(stage).buckets.get(name);
    if (!cellBucket) return [`s3-bucket-not-in-cell:${name}`];
    const stack = Stack.of(cellBucket);
    return placementFindings(stage, stack.region, stack.account);
  }
  return ['s3-bucket-unresolvable'];
}

/** A destination's region must be in the cell's jurisdiction, its account the cell's. */
function placementFindings(stage: CellStage, region: string, account: string): string[] {
  const { cell } = stage;
  const findings: string[] = [];
  if (Token.isUnresolved(region) || region === '') findings.push('destination-region-unknown');
  else if (!isRegionIn(cell.jurisdiction, region)) findings.push(`destination-outside-${cell.jurisdiction}:${region}`);
  if (!Token.isUnresolved(account) && account !== cell.account) findings.push(`destination-cross-account:${account}`);
  return findings;
}

/**
 * What a property value points to. A token that references a resource of the app yields that
 * resource, whichever stack it is in; a value made only of literals and the stack's own pseudo
 * parameters yields the literal; anything else (an import, a parameter) cannot be followed.
 */
function targetOf(node: CfnResource, value: unknown): Target {
  if (typeof value === 'string' && Token.isUnresolved(value)) {
    const token = Tokenization.reverse(value, { failConcat: false });
    if (token instanceof Reference) return { resource: token.target };
  }
  const stack = Stack.of(node);
  const resolved = value === undefined ? undefined : stack.resolve(value);
  const literal = literalOf(stack, resolved);
  if (literal !== undefined) return { literal };
  const logicalId = (resolved as { Ref?: unknown })?.Ref ?? (resolved as { 'Fn::GetAtt'?: unknown[] })?.['Fn::GetAtt']?.[0];
  if (typeof logicalId === 'string') {
    const resource = resourceByLogicalId(stack, logicalId);
    if (resource) return { resource };
  }
  return { unknown: true };
}

function literalOf(stack: Stack, resolved: unknown): string | undefined {
  if (typeof resolved === 'string') return resolved;
  const pseudo: Record<string, string> = {
    'AWS::Partition': stack.partition,
    'AWS::Region': stack.region,
    'AWS::AccountId': stack.account,
    'AWS::URLSuffix': stack.urlSuffix,
  };
  const ref = (resolved as { Ref?: unknown })?.Ref;
  if (typeof ref === 'string') return ref in pseudo && !Token.isUnresolved(pseudo[ref]) ? pseudo[ref] : undefined;
  const join = (resolved as { 'Fn::Join'?: [string, unknown[]] })?.['Fn::Join'];
  if (Array.isArray(join) && Array.isArray(join[1])) {
    const parts = join[1].map((part) => literalOf(stack, part));
    return parts.every((p) => p !== undefined) ? parts.join(join[0]) : undefined;
  }
  return undefined;
}

/** A property by its CloudFormation name, from an L1's camelCase props or a plain CfnResource's. */
function field(node: CfnResource, object: unknown, name: string): unknown {
  const resolved = resolveObject(node, object);
  if (!resolved || typeof resolved !== 'object') return undefined;
  const key = Object.keys(resolved).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : (resolved as Record<string, unknown>)[key];
}

/** A nested property given as a token (IResolvable) is resolved to read its fields. */
function resolveObject(node: CfnResource, value: unknown): unknown {
  return value !== null && typeof value === 'object' && Token.isUnresolved(value) ? Stack.of(node).resolve(value) : value;
}
