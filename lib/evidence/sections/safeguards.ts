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
    'Each safeguard lists the resources and properties of this cell\'s templates that implement it. ' +
      `A resource is named by its name, with where it is defined (stack/construct: \`Data/Migrations\` is in the stack \`${ev.id}/Data\`) if another resource of the cell has the same name; each one's stack and logical id: ${annexLink(ev.id, 'resource-index', 'Annex A7')}.`,
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
