import { App, CfnResource, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { EncryptedLogGroup } from '../../lib/constructs/encrypted-log-group';
import { CellStage } from '../../lib/cell-stage';
import { fixtureConfig } from '../fixtures/config';
import { synthesize } from '../helpers';

/** Open findings of our own pack after adding resources to an app of one cell (or two) with two clinics each. */
function ownFindings(add: (app: App, cells: CellStage[]) => void, cells: 1 | 2 = 1): string[] {
  return synthesize(fixtureConfig({ cells }), { extend: add, packs: 'own' })
    .openFindings()
    .filter((f) => f.startsWith('VoicePlatform-'));
}

describe('VoicePlatform-ResourceInJurisdiction', () => {
  test('fails a resource whose properties name a region outside the jurisdiction', () => {
    const findings = ownFindings((_app, cells) => {
      new CfnResource(cells[1].network, 'Replication', {
        type: 'AWS::SSM::Parameter',
        properties: { Type: 'String', Value: 'arn:aws:s3:::replica-bucket-us-east-1' },
      });
    }, 2);
    expect(findings).toEqual(['VoicePlatform-ResourceInJurisdiction[us-east-1] @ eu-central/Network/Replication']);
  });
});

describe('VoicePlatform-LogGroupEncryptedAndRetained', () => {
  test('fails an audit log group kept for less than the cell audit retention', () => {
    const findings = ownFindings((_app, cells) => {
      const group = new EncryptedLogGroup(cells[0].network, 'Short', {
        logClass: 'audit',
        retention: { auditDays: 2192, operationalLogDays: 90 },
        encryptionKey: cells[0].keys.logs,
      });
      (group.node.defaultChild as logs.CfnLogGroup).retentionInDays = 365;
    });
    expect(findings).toEqual(['VoicePlatform-LogGroupEncryptedAndRetained[audit-retention-below-2192-days] @ us-east/Network/Short/Resource']);
  });

  test('fails an operational log group kept for less than config says', () => {
    const findings = ownFindings((_app, cells) => {
      const group = new EncryptedLogGroup(cells[0].network, 'App', {
        logClass: 'operational',
        retention: { auditDays: 2192, operationalLogDays: 30 },
        encryptionKey: cells[0].keys.logs,
      });
      expect(group.logClass).toBe('operational');
    });
    expect(findings).toEqual(['VoicePlatform-LogGroupEncryptedAndRetained[operational-retention-below-90-days] @ us-east/Network/App/Resource']);
  });

  test('fails a log group without a class, whose retention cannot be checked', () => {
    const findings = ownFindings((_app, cells) => {
      new logs.LogGroup(cells[0].network, 'Unclassified', {
        encryptionKey: cells[0].keys.logs,
        retention: logs.RetentionDays.TEN_YEARS,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    });
    expect(findings).toEqual(['VoicePlatform-LogGroupEncryptedAndRetained[no-log-class] @ us-east/Network/Unclassified/Resource']);
  });
});

describe('VoicePlatform-KmsKeyRotatedAndRetained', () => {
  test('fails a key without rotation, not retained, with a short deletion window', () => {
    const findings = ownFindings((_app, cells) => {
      new kms.Key(cells[0].keys, 'Careless', {
        enableKeyRotation: false,
        pendingWindow: Duration.days(7),
        removalPolicy: RemovalPolicy.DESTROY,
      });
    });
    expect(findings).toEqual(
      ['rotation-disabled', 'not-retained-on-delete', 'not-retained-on-replace', 'deletion-window-not-30-days'].map(
        (f) => `VoicePlatform-KmsKeyRotatedAndRetained[${f}] @ us-east/Keys/Careless/Resource`,
      ),
    );
  });
});

describe('VoicePlatform-NoHiddenFunctionOrRole', () => {
  test('fails a Lambda function written as a plain CfnResource, which no other pack inspects', () => {
    const findings = ownFindings((_app, cells) => {
      new CfnResource(cells[0].network, 'HiddenFunction', {
        type: 'AWS::Lambda::Function',
        properties: { Role: 'arn:aws:iam::111111111111:role/x', Code: { ZipFile: 'x' }, Runtime: 'nodejs22.x', Handler: 'index.handler' },
      });
    });
    expect(findings).toEqual(['VoicePlatform-NoHiddenFunctionOrRole @ us-east/Network/HiddenFunction']);
  });
});

describe('VoicePlatform-AuditArchiveObjectLock', () => {
  test('fails an audit archive in GOVERNANCE mode with a retention below the cell figure', () => {
    const findings = ownFindings((_app, cells) => {
      const cfn = cells[0].audit.auditArchive.node.defaultChild as import('aws-cdk-lib/aws-s3').CfnBucket;
      cfn.objectLockConfiguration = { objectLockEnabled: 'Enabled', rule: { defaultRetention: { mode: 'GOVERNANCE', days: 30 } } };
    });
    expect(findings).toEqual([
      'VoicePlatform-AuditArchiveObjectLock[not-compliance-mode] @ us-east/Audit/AuditArchive/Resource',
      'VoicePlatform-AuditArchiveObjectLock[retention-below-2192-days] @ us-east/Audit/AuditArchive/Resource',
    ]);
  });
});

describe('VoicePlatform-PhiBucketCoveredByTrail', () => {
  test('fails a tenant PHI bucket whose name the trail does not select', () => {
    const findings = ownFindings((_app, cells) => {
      const cfn = cells[0].tenantStacks[1].buckets.txt!.node.defaultChild as import('aws-cdk-lib/aws-s3').CfnBucket;
      cfn.bucketName = 'vp-us-east-transcripts-us-east-c002';
    });
    expect(findings).toContain('VoicePlatform-PhiBucketCoveredByTrail[not-covered] @ us-east/Tenant-us-east-c002/Transcripts/Resource');
  });

  test('fails every PHI bucket of the cell when the trail records only writes', () => {
    const findings = ownFindings((_app, cells) => {
      cells[0].audit.trail.advancedEventSelectors = [
        {
          fieldSelectors: [
            { field: 'eventCategory', equalTo: ['Data'] },
            { field: 'resources.type', equalTo: ['AWS::S3::Object'] },
            { field: 'readOnly', equalTo: ['false'] },
            { field: 'resources.ARN', startsWith: ['arn:aws:s3:::vp-us-east-phi-'] },
          ],
        },
      ];
    }, 2);
    expect(findings).toContain('VoicePlatform-PhiBucketCoveredByTrail[not-covered] @ us-east/Tenant-us-east-c001/Recordings/Resource');
    expect(findings).toContain('VoicePlatform-PhiBucketCoveredByTrail[not-covered] @ us-east/TenantReplica-us-east-c001/Recordings/Resource');
    expect(findings.filter((f) => f.includes('eu-central/'))).toEqual([]);
  });
});

describe('VoicePlatform-ReplicationInJurisdiction', () => {
  test('fails a PHI bucket that replicates to a bucket outside the cell, with a key outside the jurisdiction', () => {
    const findings = ownFindings((_app, cells) => {
      const tenant = cells[0].tenantStacks[0];
      const cfn = tenant.buckets.rec!.node.defaultChild as import('aws-cdk-lib/aws-s3').CfnBucket;
      const config = cfn.replicationConfiguration as any;
      cfn.replicationConfiguration = {
        ...config,
        rules: [
          {
            ...config.rules[0],
            destination: {
              bucket: 'arn:aws:s3:::somewhere-in-ireland',
              encryptionConfiguration: { replicaKmsKeyId: 'arn:aws:kms:eu-west-1:111111111111:alias/anything' },
            },
          },
        ],
      };
    });
    expect(findings).toEqual(
      expect.arrayContaining([
        'VoicePlatform-ReplicationInJurisdiction[destination-not-in-cell:somewhere-in-ireland] @ us-east/Tenant-us-east-c001/Recordings/Resource',
        'VoicePlatform-ReplicationInJurisdiction[replica-key-outside-US:eu-west-1] @ us-east/Tenant-us-east-c001/Recordings/Resource',
      ]),
    );
  });

  test('fails replication to a bucket of the app that lives outside the jurisdiction', () => {
    const findings = ownFindings((_app, cells) => {
      const { Stack } = require('aws-cdk-lib');
      const { SecureBucket } = require('../../lib/constructs/secure-bucket');
      const offshore = new Stack(cells[0], 'Offshore', { env: { account: '111111111111', region: 'eu-west-1' } });
      new SecureBucket(offshore, 'Copy', { dataClass: 'access-logs', bucketName: 'vp-us-east-offshore-copy' });
      const cfn = cells[0].tenantStacks[0].buckets.txt!.node.defaultChild as import('aws-cdk-lib/aws-s3').CfnBucket;
      const config = cfn.replicationConfiguration as any;
      cfn.replicationConfiguration = { ...config, rules: [{ ...config.rules[0], destination: { bucket: 'arn:aws:s3:::vp-us-east-offshore-copy' } }] };
    });
    expect(findings).toContain(
      'VoicePlatform-ReplicationInJurisdiction[destination-outside-US:eu-west-1] @ us-east/Tenant-us-east-c001/Transcripts/Resource',
    );
  });
});

describe('VoicePlatform-PhiBucketEncryptedWithTenantKey', () => {
  test('fails a PHI bucket encrypted with a shared cell key instead of its tenant key', () => {
    const findings = ownFindings((_app, cells) => {
      const tenant = cells[0].tenantStacks[0];
      const cfn = tenant.buckets.rec!.node.defaultChild as import('aws-cdk-lib/aws-s3').CfnBucket;
      cfn.bucketEncryption = {
        serverSideEncryptionConfiguration: [
          { bucketKeyEnabled: true, serverSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: 'arn:aws:kms:us-east-1:111111111111:key/shared' } },
        ],
      };
    });
    expect(findings).toEqual(['VoicePlatform-PhiBucketEncryptedWithTenantKey[key-not-made-in-tenant-stack] @ us-east/Tenant-us-east-c001/Recordings/Resource']);
  });

  test('fails a PHI bucket encrypted with SSE-S3', () => {
    const findings = ownFindings((_app, cells) => {
      const cfn = cells[0].tenantStacks[0].buckets.txt!.node.defaultChild as import('aws-cdk-lib/aws-s3').CfnBucket;
      cfn.bucketEncryption = { serverSideEncryptionConfiguration: [{ serverSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }] };
    });
    expect(findings).toEqual(['VoicePlatform-PhiBucketEncryptedWithTenantKey[not-sse-kms] @ us-east/Tenant-us-east-c001/Transcripts/Resource']);
  });
});

describe('VoicePlatform-NoCrossTenantAccess', () => {
  test('fails a role granted one tenant bucket by one policy and another tenant key by another', () => {
    const findings = ownFindings((_app, cells) => {
      const iam = require('aws-cdk-lib/aws-iam');
      const { ScopedRole } = require('../../lib/constructs/scoped-role');
      const role = new ScopedRole(cells[0].tenantStacks[0], 'Snooper', { assumedBy: new iam.AccountRootPrincipal() });
      role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [cells[0].tenantStacks[0].buckets.rec!.arnForObjects('x')] }));
      new iam.Policy(cells[0].tenantStacks[0], 'SecondPolicy', {
        roles: [role],
        statements: [new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: ['arn:aws:kms:us-east-1:111111111111:alias/vp-us-east/tenant-us-east-c002'] })],
      });
    });
    expect(findings).toContain('VoicePlatform-NoCrossTenantAccess[us-east-c001+us-east-c002] @ us-east/Tenant-us-east-c001/Snooper/Resource');
  });

  test('fails a role in another stack granted two tenants\' buckets by name', () => {
    const findings = ownFindings((_app, cells) => {
      const iam = require('aws-cdk-lib/aws-iam');
      const role = new iam.Role(cells[0].data, 'Reporting', { assumedBy: new iam.AccountRootPrincipal() });
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['s3:GetObject'],
          resources: ['arn:aws:s3:::vp-us-east-phi-us-east-c001-txt-111111111111/*', 'arn:aws:s3:::vp-us-east-phi-us-east-c002-txt-111111111111/*'],
        }),
      );
    });
    expect(findings).toContain('VoicePlatform-NoCrossTenantAccess[us-east-c001+us-east-c002] @ us-east/Data/Reporting/Resource');
  });

  test('fails a role granted every tenant at once by a wildcard, but not a role that is denied them', () => {
    const findings = ownFindings((_app, cells) => {
      const iam = require('aws-cdk-lib/aws-iam');
      const { ScopedRole } = require('../../lib/constructs/scoped-role');
      const role = new ScopedRole(cells[0].access, 'Analytics', { assumedBy: new iam.AccountRootPrincipal() });
      role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::vp-us-east-phi-*/*'] }));
    });
    expect(findings).toContain('VoicePlatform-NoCrossTenantAccess[all-tenants] @ us-east/Access/Analytics/Resource');
    expect(findings.filter((f) => /Operator|Auditor/.test(f))).toEqual([]);
  });

  test('passes every tenant role of the fixture config', () => {
    expect(ownFindings(() => undefined)).toEqual([]);
  });
});

describe('VoicePlatform-ListenerTls13OrRedirect', () => {
  test('fails an HTTPS listener with a TLS 1.2 policy and an HTTP listener that forwards', () => {
    const findings = ownFindings((_app, cells) => {
      const elbv2 = require('aws-cdk-lib/aws-elasticloadbalancingv2');
      const voice = cells[0].voice;
      type Listener = import('aws-cdk-lib/aws-elasticloadbalancingv2').CfnListener;
      const https = voice.loadBalancer.node.findChild('Https').node.defaultChild as Listener;
      https.sslPolicy = elbv2.SslPolicy.TLS12;
      const http = voice.loadBalancer.node.findChild('HttpRedirect').node.defaultChild as Listener;
      http.defaultActions = [{ type: 'fixed-response', fixedResponseConfig: { statusCode: '200' } }];
    });
    expect(findings).toEqual([
      'VoicePlatform-ListenerTls13OrRedirect[not-tls13-policy:ELBSecurityPolicy-TLS-1-2-2017-01] @ us-east/Voice/LoadBalancer/Https/Resource',
      'VoicePlatform-ListenerTls13OrRedirect[plain-http-not-redirect-only] @ us-east/Voice/LoadBalancer/HttpRedirect/Resource',
    ]);
  });
});

describe('VoicePlatform-ListenerTls13OrRedirect with old-client cipher suites', () => {
  test('fails a TLS 1.3 policy variant that adds CBC and SHA-1 ciphers', () => {
    const findings = ownFindings((_app, cells) => {
      const https = cells[0].voice.loadBalancer.node.findChild('Https').node.defaultChild as import('aws-cdk-lib/aws-elasticloadbalancingv2').CfnListener;
      https.sslPolicy = 'ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06';
    });
    expect(findings).toEqual([
      'VoicePlatform-ListenerTls13OrRedirect[not-tls13-policy:ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06] @ us-east/Voice/LoadBalancer/Https/Resource',
    ]);
  });
});

describe('VoicePlatform-ContainerReadOnlyNonRoot', () => {
  test('fails a container with a writable root filesystem that runs as root, and one without a user', () => {
    const findings = ownFindings((_app, cells) => {
      const ecs = require('aws-cdk-lib/aws-ecs');
      const task = new ecs.CfnTaskDefinition(cells[0].voice, 'Careless', {
        containerDefinitions: [
          { name: 'web', image: 'example/web@sha256:' + 'c'.repeat(64), user: 'root', readonlyRootFilesystem: false },
          { name: 'sidecar', image: 'example/sidecar@sha256:' + 'd'.repeat(64), readonlyRootFilesystem: true },
        ],
      });
      expect(task).toBeDefined();
    });
    expect(findings).toEqual([
      'VoicePlatform-ContainerReadOnlyNonRoot[web:writable-root-filesystem] @ us-east/Voice/Careless',
      'VoicePlatform-ContainerReadOnlyNonRoot[web:runs-as-root] @ us-east/Voice/Careless',
      'VoicePlatform-ContainerReadOnlyNonRoot[sidecar:runs-as-root] @ us-east/Voice/Careless',
    ]);
  });

  test('passes the voice service task definition', () => {
    const findings = ownFindings(() => undefined);
    expect(findings.filter((f) => f.includes('ContainerReadOnlyNonRoot'))).toEqual([]);
  });
});

describe('VoicePlatform-NoIamUsersOrAccessKeys', () => {
  test('fails an IAM user and its access key', () => {
    const findings = ownFindings((_app, cells) => {
      const iam = require('aws-cdk-lib/aws-iam');
      const user = new iam.User(cells[0].access, 'Robot');
      new iam.AccessKey(cells[0].access, 'RobotKey', { user });
    });
    expect(findings).toEqual(
      expect.arrayContaining([
        'VoicePlatform-NoIamUsersOrAccessKeys @ us-east/Access/Robot/Resource',
        'VoicePlatform-NoIamUsersOrAccessKeys @ us-east/Access/RobotKey/Resource',
      ]),
    );
  });
});
