import { Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { CellConfig, PlatformConfig } from '../config';

export interface CellStackProps extends StackProps {
  /** The platform settings from config. */
  readonly platform: PlatformConfig['platform'];
  /** The cell this stack belongs to. */
  readonly cell: CellConfig;
}

/**
 * Base of every stack in a cell: termination protection on, and the cell's config at hand.
 * The region and account come from the cell's Stage unless a stack names its own (the DR stack).
 */
export abstract class CellStack extends Stack {
  public readonly cell: CellConfig;
  public readonly platform: PlatformConfig['platform'];

  constructor(scope: Construct, id: string, props: CellStackProps) {
    super(scope, id, {
      terminationProtection: true,
      // Stack tags reach every resource CloudFormation creates, even those CDK does not tag.
      tags: {
        platform: props.platform.id,
        cell: props.cell.id,
        jurisdiction: props.cell.jurisdiction,
        'data-classification': props.cell.carriesPhi ? 'phi' : 'internal',
      },
      ...props,
    });
    this.cell = props.cell;
    this.platform = props.platform;
  }

  /**
   * The cell's availability zones come from config, so synth never asks AWS for them (the
   * default looks them up through a context provider, which needs credentials).
   */
  public get availabilityZones(): string[] {
    return [...this.cell.availabilityZones];
  }
}
