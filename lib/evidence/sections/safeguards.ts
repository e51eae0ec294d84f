import { annexLink } from '../annex';
import { CellEvidence } from '../cell-evidence';
import { blocks } from '../markdown';
import { accessControl } from './access-control';
import { auditControls } from './audit-controls';
import { authentication } from './authentication';
import { integrity } from './integrity';
import { transmissionSecurity } from './transmission';

/** Section 1: each technical safeguard of the HIPAA Security Rule, with the resources that implement it. */
export function safeguardsSection(ev: CellEvidence): string {
  return blocks(
    '## 1. HIPAA Security Rule technical safeguards (45 CFR 164.312)',
    'Each safeguard lists the resources and properties in the CloudFormation templates of this cell that implement it. ' +
      `Resources are named by their name, followed by their stack where another resource of the cell has the same name (stacks without the cell prefix: \`Keys\` is the stack \`${ev.id}/Keys\`); each one's stack and logical id: ${annexLink(ev.id, 'resource-index', 'Annex A7')}.`,
    // Anchors the first page links to.
    '<a id="access-control"></a>',
    accessControl(ev),
    '<a id="audit-controls"></a>',
    auditControls(ev),
    integrity(ev),
    authentication(ev),
    '<a id="transmission"></a>',
    transmissionSecurity(ev),
  );
}
