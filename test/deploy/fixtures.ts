import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CloudFormationClient, ListStacksCommand } from '@aws-sdk/client-cloudformation';
import { BatchGetImageCommand, ECRClient, GetDownloadUrlForLayerCommand } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { stringify } from 'yaml';
import { RawConfig, rawFixtureConfig } from '../fixtures/config';
import { scratchDir } from '../helpers';

/** A digest that is not the placeholder. */
export const REAL_DIGEST = `sha256:${'ab'.repeat(32)}`;

/**
 * Writes the test fixture configuration (by default two cells, us-east and eu-central, two clinics each) to a
 * scratch file, with a real image digest in every cell unless `edit` says otherwise, and returns
 * its path. Built from test/fixtures/config.ts, never from the user's config/platform.yaml.
 */
export function writeConfig(edit?: (raw: RawConfig) => void, cells: 1 | 2 | 4 = 2): string {
  const raw = rawFixtureConfig({ cells, tenantsPerCell: 2 });
  for (const cell of raw.cells) cell.voice.imageDigest = REAL_DIGEST;
  edit?.(raw);
  const file = path.join(scratchDir('deploy'), 'platform.yaml');
  writeFileSync(file, stringify(raw));
  return file;
}

/** An error as the SDK throws it: only its name and message matter to the preflight. */
export function sdkError(name: string, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { name, ...extra });
}

/** An image configuration blob as ECR serves it: user and volumes, the fields the deploy checks. */
export function imageConfigBlob(config: { User?: string; Volumes?: Record<string, object> }): string {
  return JSON.stringify({ architecture: 'arm64', os: 'linux', config: { Env: ['PATH=/usr/bin'], ...config }, rootfs: { type: 'layers', diff_ids: [] } });
}

/** The OCI manifest of a single-platform image whose configuration is `blob`. */
export function imageManifest(blob: string): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${createHash('sha256').update(blob).digest('hex')}`, size: blob.length },
    layers: [],
  });
}

/**
 * Mocks CloudFormation and ECR for every client made in the test file: no stack of the cell in a
 * failed state, and an image that runs as user 10001 and declares /tmp. Re-arm with `reset()`.
 */
export function mockHealthyAccount(blob = imageConfigBlob({ User: '10001:10001', Volumes: { '/tmp': {} } })) {
  const cloudFormation = mockClient(CloudFormationClient);
  const ecr = mockClient(ECRClient);
  const arm = () => {
    cloudFormation.on(ListStacksCommand).resolves({ StackSummaries: [] });
    ecr.on(BatchGetImageCommand).resolves({ images: [{ imageManifest: imageManifest(blob), imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json' }] });
    ecr.on(GetDownloadUrlForLayerCommand).resolves({ downloadUrl: 'https://prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com/example' });
  };
  arm();
  return {
    cloudFormation,
    ecr,
    fetchBlob: async (_url: string) => blob,
    reset: () => {
      cloudFormation.reset();
      ecr.reset();
      arm();
    },
    restore: () => {
      cloudFormation.restore();
      ecr.restore();
    },
  };
}
