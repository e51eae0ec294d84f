import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Construct } from 'constructs';
import { PlatformKey } from '../constructs/platform-key';
import { cellPrefix, keyAliasName } from '../naming';
import { CellStack, CellStackProps } from './cell-stack';

/**
 * The cell's container registry, in a stack of its own so that it exists before the first image
 * does: deploy the cell without the Voice stack, push the image, put its digest in config, deploy
 * the Voice stack. Images are scanned on push and continuously (Amazon Inspector).
 */
export class RegistryStack extends CellStack {
  public readonly repository: ecr.Repository;

  constructor(scope: Construct, id: string, props: CellStackProps) {
    super(scope, id, { description: `Container registry of the voice service of cell ${props.cell.id}`, ...props });
    const imagesKey = new PlatformKey(this, 'ImagesKey', {
      alias: keyAliasName(this, 'images'),
      description: `Encrypts container images of the voice service of cell ${this.cell.id}`,
      viaServices: ['ecr'],
    });
    this.repository = new ecr.Repository(this, 'Repository', {
      repositoryName: `${cellPrefix(this)}/voice`,
      imageScanOnPush: true,
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      encryption: ecr.RepositoryEncryption.KMS,
      encryptionKey: imagesKey,
      // Images are pushed after the first deploy, so a failed first create removes an empty repository (RetainExceptOnCreate).
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      // Only untagged leftovers expire: every deployable image carries an (immutable) tag, so the
      // digest a cell runs, and every earlier one it may roll back to, is never removed by lifecycle.
      lifecycleRules: [
        { description: 'Drop untagged images after two weeks', tagStatus: ecr.TagStatus.UNTAGGED, maxImageAge: Duration.days(14), rulePriority: 1 },
      ],
    });
    // Enhanced scanning hands every image of this account and region to Amazon Inspector, which
    // rescans as new vulnerabilities are published; critical findings alert (Detection stack).
    new ecr.CfnRegistryScanningConfiguration(this, 'EnhancedScanning', {
      scanType: 'ENHANCED',
      rules: [{ scanFrequency: 'CONTINUOUS_SCAN', repositoryFilters: [{ filter: `${cellPrefix(this)}/*`, filterType: 'WILDCARD' }] }],
    });
  }
}
