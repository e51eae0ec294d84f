export * from './cell-templates';
export * from './designed';
export * from './reachability';

import { roleBoundaryArn, roleBoundaryDocument } from '../../deploy/bootstrap-policies';
import { CellNaming } from '../../naming';
import { CellTemplates } from './cell-templates';
import { designedPrincipals } from './designed';
import { ClinicReach, reachability } from './reachability';

/** Who can reach each clinic of a cell, with this app's designed principals and role boundary: what NoPathToPhi and the evidence pack use. */
export function cellReachability(templates: CellTemplates, naming: CellNaming): ClinicReach[] {
  return reachability(templates, { designed: designedPrincipals(naming), knownPolicies: { [roleBoundaryArn(naming)]: roleBoundaryDocument(naming) } });
}
