import { Construct } from 'constructs';
import { CellStack, CellStackProps } from './cell-stack';

/**
 * Threat detection and breach alerting of a cell: GuardDuty, Security Hub, AWS Config rules, and
 * EventBridge rules that notify the breach-notification contacts.
 */
export class DetectionStack extends CellStack {
  constructor(scope: Construct, id: string, props: CellStackProps) {
    super(scope, id, { description: `Threat detection and breach alerting of cell ${props.cell.id}`, ...props });
  }
}
