import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagPack, NagPackProps } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { AuditArchiveObjectLock } from './rules/audit-archive-object-lock';
import { PhiBucketCoveredByTrail } from './rules/phi-bucket-covered-by-trail';
import { NoCrossTenantAccess } from './rules/no-cross-tenant-access';
import { PhiBucketEncryptedWithTenantKey } from './rules/phi-bucket-encrypted-with-tenant-key';
import { ReplicationInJurisdiction } from './rules/replication-in-jurisdiction';
import { ContainerReadOnlyNonRoot } from './rules/container-read-only-non-root';
import { ListenerTls13OrRedirect } from './rules/listener-tls13-or-redirect';
import { NoIamUsersOrAccessKeys } from './rules/no-iam-users-or-access-keys';
import { LogDeliveryInJurisdiction } from './rules/log-delivery-in-jurisdiction';
import { KmsKeyRotatedAndRetained } from './rules/kms-key-rotated-and-retained';
import { NoHiddenFunctionOrRole } from './rules/no-hidden-function-or-role';
import { LogGroupEncryptedAndRetained } from './rules/log-group-encrypted-and-retained';
import { ResourceInJurisdiction } from './rules/resource-in-jurisdiction';
import { EgressOnlyToDeclaredSubProcessors } from './rules/egress-only-to-declared-sub-processors';
import { TargetGroupForwardsOverTls } from './rules/target-group-forwards-over-tls';
import { NoPathToPhi } from './rules/no-path-to-phi';

export const VOICE_PLATFORM_PACK = 'VoicePlatform';

/**
 * Our own rules: what HIPAA Security, AwsSolutions and NIST 800-53 do not check, because it
 * depends on this platform's configuration (jurisdictions, retention figures per cell).
 */
export class VoicePlatformChecks extends NagPack {
  public readonly name = VOICE_PLATFORM_PACK;

  constructor(scope?: IConstruct, props?: NagPackProps) {
    super(scope, props);
    this.packName = VOICE_PLATFORM_PACK;
  }

  protected checkResource(node: CfnResource): void {
    this.applyRule({
      info: 'The resource is deployed in, or names, a region outside its cell\'s jurisdiction.',
      explanation:
        'A clinic\'s data must never leave its jurisdiction (US data in US regions, EU data in EU regions). ' +
        'Every resource of a cell, and every region its properties name, must be in the cell\'s jurisdiction.',
      level: NagMessageLevel.ERROR,
      rule: ResourceInJurisdiction,
      node,
    });
    this.applyRule({
      info: 'The log group is not KMS-encrypted, has no retention, or keeps logs for less than config requires for its class.',
      explanation:
        'HIPAA requires audit records for six years (45 CFR 164.316(b)(2)); logs must be encrypted with a customer-managed key. ' +
        'Create log groups with EncryptedLogGroup, which sets the key, the class tag and the retention.',
      level: NagMessageLevel.ERROR,
      rule: LogGroupEncryptedAndRetained,
      node,
    });
    this.applyRule({
      info: 'The KMS key does not rotate, is not retained when its stack is deleted or replaced, or has a deletion window under 30 days.',
      explanation:
        'Losing a key makes every record it encrypted unreadable, including records HIPAA requires us to keep. ' +
        'Create keys with PlatformKey, which sets rotation, RETAIN and a 30-day window.',
      level: NagMessageLevel.ERROR,
      rule: KmsKeyRotatedAndRetained,
      node,
    });
    this.applyRule({
      info: 'A Lambda function or IAM role is written as a plain CfnResource, which the HIPAA, AwsSolutions and NIST rules cannot inspect.',
      explanation:
        'Custom resource providers inside aws-cdk-lib create functions and roles that bypass every other pack. ' +
        'Each must be acknowledged on its construct with what it does and why it is safe.',
      level: NagMessageLevel.ERROR,
      rule: NoHiddenFunctionOrRole,
      node,
    });
    this.applyRule({
      info: 'The audit archive does not have S3 Object Lock in COMPLIANCE mode with at least the cell\'s audit retention.',
      explanation:
        'HIPAA requires audit records for six years; COMPLIANCE mode means no one, the account root included, can ' +
        'delete or overwrite a record, or shorten its retention, until the retention ends.',
      level: NagMessageLevel.ERROR,
      rule: AuditArchiveObjectLock,
      node,
    });
    this.applyRule({
      info: 'A PHI bucket is not covered by the cell\'s CloudTrail data events for both reads and writes.',
      explanation:
        'HIPAA 164.312(b) requires audit controls that record access to PHI. PHI buckets are named with the cell\'s ' +
        'PHI prefix, which the trail selects, so that every tenant, including one added later, is covered.',
      level: NagMessageLevel.ERROR,
      rule: PhiBucketCoveredByTrail,
      node,
    });
    this.applyRule({
      info: 'An S3 replication destination is not a bucket of this cell in its jurisdiction, or its replica key is outside the jurisdiction.',
      explanation:
        'A clinic\'s data must never leave its jurisdiction, also not as a disaster-recovery copy. cdk-nag\'s ' +
        'S3BucketReplicationEnabled only checks that replication exists, not where it goes.',
      level: NagMessageLevel.ERROR,
      rule: ReplicationInJurisdiction,
      node,
    });
    this.applyRule({
      info: 'A PHI bucket is not encrypted by default with its own tenant\'s KMS key (SSE-KMS with bucket keys).',
      explanation:
        'Each clinic\'s PHI is encrypted with a key that only that clinic\'s roles can use, so that one clinic\'s ' +
        'access can never decrypt another clinic\'s data.',
      level: NagMessageLevel.ERROR,
      rule: PhiBucketEncryptedWithTenantKey,
      node,
    });
    this.applyRule({
      info: 'An IAM principal is granted access to the keys or buckets of more than one tenant.',
      explanation:
        'Least privilege per tenant (HIPAA 164.312(a)(1)): each tenant role reaches only its own key and buckets; ' +
        'the shared voice service reaches a tenant\'s data only with one call\'s credentials of that tenant\'s role, vended by the credential broker.',
      level: NagMessageLevel.ERROR,
      rule: NoCrossTenantAccess,
      node,
    });
    this.applyRule({
      info: 'A principal that is not designed to (break-glass, a clinic\'s own roles, its replication or backup service role, the credential broker) can reach a clinic\'s PHI through a chain of assumed roles.',
      explanation:
        'Computed from the cell\'s templates by evaluating trust, identity, boundary, bucket and key policies the way IAM does ' +
        '(lib/compliance/access). Close the path (trust, policy or guardrail), or add the principal to the designed list with its reason.',
      level: NagMessageLevel.ERROR,
      rule: NoPathToPhi,
      node,
    });
    this.applyRule({
      info: 'A load balancer listener neither serves HTTPS with a TLS 1.3 security policy nor only redirects to HTTPS.',
      explanation:
        'Calls carry PHI; HIPAA 164.312(e)(1) requires transmission security. Every listener must negotiate TLS 1.2 or 1.3 ' +
        'with a TLS 1.3 policy, or answer only with a permanent redirect to HTTPS.',
      level: NagMessageLevel.ERROR,
      rule: ListenerTls13OrRedirect,
      node,
    });
    this.applyRule({
      info: 'An ECS container has a writable root filesystem, runs as root, or is privileged.',
      explanation:
        'A compromised container that can write its own filesystem or act as root has far more reach; the voice ' +
        'service processes PHI, so its containers are read-only and run as a non-root user.',
      level: NagMessageLevel.ERROR,
      rule: ContainerReadOnlyNonRoot,
      node,
    });
    this.applyRule({
      info: 'The app creates an IAM user or a long-lived access key.',
      explanation:
        'People reach a cell only through roles assumed with MFA for short sessions (HIPAA 164.312(d)); ' +
        'long-lived credentials are never created by this app.',
      level: NagMessageLevel.ERROR,
      rule: NoIamUsersOrAccessKeys,
      node,
    });
    this.applyRule({
      info: 'A log subscription or delivery stream sends logs to a destination outside the cell or its jurisdiction.',
      explanation:
        'Audit and security logs carry PHI (object keys, statements, caller identities). A subscription filter may only ' +
        'deliver to a resource of this app in the cell\'s account and jurisdiction; a delivery stream only to buckets of ' +
        'the cell and to the cell\'s configured SIEM (checked for a BAA, a DPA and in-jurisdiction processing).',
      level: NagMessageLevel.ERROR,
      rule: LogDeliveryInJurisdiction,
      node,
    });
    this.applyRule({
      info: 'A security group sends to the internet something other than HTTPS on port 443, or the cell\'s VPC has no DNS firewall that blocks every name but the allow-list.',
      explanation:
        'Every sub-processor is under a signed BAA or DPA only if the voice service can reach nothing else: its HTTPS ' +
        'egress is governed by the DNS firewall, which answers only the host names config declares for the sub-processors ' +
        '(subProcessors[].endpoints) and the cell\'s AWS names.',
      level: NagMessageLevel.ERROR,
      rule: EgressOnlyToDeclaredSubProcessors,
      node,
    });
    this.applyRule({
      info: 'A load balancer target group forwards to its targets, or checks their health, over plain HTTP.',
      explanation:
        'TLS for every hop of a call (HIPAA 164.312(e)(1)): the load balancer re-encrypts to the container, which presents a ' +
        'certificate it generates at start; health checks use HTTPS too.',
      level: NagMessageLevel.ERROR,
      rule: TargetGroupForwardsOverTls,
      node,
    });
  }
}
