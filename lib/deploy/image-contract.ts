import { createHash } from 'node:crypto';
import { BatchGetImageCommand, ECRClient, GetDownloadUrlForLayerCommand } from '@aws-sdk/client-ecr';
import { PreflightError } from './preflight';

/** The directory the voice task mounts a writable volume on; the root filesystem is read-only. */
export const WRITABLE_VOLUME = '/tmp';

const INDEX_TYPES = ['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json'];
const MANIFEST_TYPES = ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json'];

export interface ImageContractOptions {
  readonly ecr: ECRClient;
  /** The cell's account, which owns the repository. */
  readonly registryId: string;
  readonly repositoryName: string;
  /** The digest config names (`sha256:…`): a single-platform manifest or a multi-platform index. */
  readonly digest: string;
  /** Fetches a blob from the pre-signed URL ECR returns; the CLI passes global fetch. */
  readonly fetchBlob: (url: string) => Promise<string>;
  /** The task's platform (lib/stacks/voice-stack.ts runs Linux on ARM64). */
  readonly platform?: { readonly os: string; readonly architecture: string };
}

/** What the deploy learned about the image: its configured user and volumes. */
export interface ImageContract {
  readonly manifestDigest: string;
  readonly user: string;
  readonly volumes: readonly string[];
}

/**
 * Reads the image's configuration from ECR by digest (manifest, then the config blob, whose SHA-256
 * must match the manifest) and refuses an image that runs as root or does not declare the writable
 * volume. Fargate bind-mount volumes are writable only by root unless the image declares the path
 * as a VOLUME whose directory the image's user may write; the task runs as user 10001 with a
 * read-only root filesystem, so such an image fails at its first temporary file.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/bind-mounts.html
 */
export async function checkImageContract(options: ImageContractOptions): Promise<ImageContract> {
  const { ecr, registryId, repositoryName } = options;
  const where = `${repositoryName}@${options.digest}`;
  const refuse = (problem: string, fix: string) =>
    new PreflightError('image-contract', `Refusing to deploy: the voice image ${where} ${problem}. Nothing was deployed. ${fix}`);

  const manifest = async (digest: string) => {
    const answer = await ecr.send(
      new BatchGetImageCommand({ registryId, repositoryName, imageIds: [{ imageDigest: digest }], acceptedMediaTypes: [...INDEX_TYPES, ...MANIFEST_TYPES] }),
    );
    const image = answer.images?.[0];
    if (!image?.imageManifest) {
      const reason = answer.failures?.[0]?.failureReason ?? 'no such image';
      throw refuse(`cannot be read from ECR (${reason})`, 'Push the image to the cell\'s repository and put the digest the push reports into config.');
    }
    const body = JSON.parse(image.imageManifest) as Record<string, any>;
    return { body, mediaType: image.imageManifestMediaType ?? body.mediaType };
  };

  let digest = options.digest;
  let current = await manifest(digest);
  if (INDEX_TYPES.includes(current.mediaType)) {
    const platform = options.platform ?? { os: 'linux', architecture: 'arm64' };
    const entry = (current.body.manifests ?? []).find(
      (m: any) => m.platform?.os === platform.os && m.platform?.architecture === platform.architecture,
    );
    if (!entry) throw refuse(`has no ${platform.os}/${platform.architecture} image, which the task runs`, 'Build the image for linux/arm64 and push it again.');
    digest = entry.digest;
    current = await manifest(digest);
  }
  const configDigest = current.body.config?.digest as string | undefined;
  if (!configDigest) throw refuse('has a manifest without an image configuration', 'Push an OCI or Docker v2 image.');

  const { downloadUrl } = await ecr.send(new GetDownloadUrlForLayerCommand({ registryId, repositoryName, layerDigest: configDigest }));
  if (!downloadUrl) throw refuse('has a configuration ECR did not offer for download', 'Retry; if it persists, check the repository.');
  const blob = await options.fetchBlob(downloadUrl);
  const actual = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
  if (actual !== configDigest) throw refuse(`has a configuration whose content (${actual}) does not match its digest ${configDigest}`, 'Retry the deploy.');

  const config = (JSON.parse(blob) as { config?: { User?: string; Volumes?: Record<string, unknown> } }).config ?? {};
  const user = config.User ?? '';
  const volumes = Object.keys(config.Volumes ?? {});
  const name = user.split(':')[0];
  if (name === '' || name === 'root' || name === '0') {
    throw refuse(
      `runs as ${user === '' ? 'root (it sets no USER)' : `root (USER ${user})`}`,
      'Add `USER 10001:10001` to the Dockerfile (the user the task runs as), build and push it, and put the new digest into config.',
    );
  }
  if (!volumes.includes(WRITABLE_VOLUME)) {
    throw refuse(
      `does not declare ${WRITABLE_VOLUME} as a volume, so the task's user cannot write temporary files on the read-only root filesystem`,
      'Add `RUN mkdir -p /tmp && chown 10001:10001 /tmp && chmod 1777 /tmp` and then `VOLUME ["/tmp"]` to the Dockerfile, build and push it, ' +
        'and put the new digest into config (README, "First deploy").',
    );
  }
  return { manifestDigest: digest, user, volumes };
}
