import { CellEvidence } from './cell-evidence';
export { annexFile, annexLink } from './annex';
import { SynthRecord } from './provenance';
import { PreviousSubProcessors } from './since';
import { alarmFiltersAnnex } from './sections/audit-controls';
import { deployChecksAnnex, deployChecksSection } from './sections/deploy-checks';
import { diagramSection } from './sections/diagram';
import { encryptionSection } from './sections/encryption';
import { fiveQuestionsSection } from './sections/five-questions';
import { WHO_CAN_REACH_ANCHOR } from './sections/five-questions';
import { gdprSection } from './sections/gdpr';
import { phiReachSection } from './sections/phi-reach';
import { acknowledgementsAnnex, policyResultsSection } from './sections/policy-results';
import { keyPolicyStatements, resourcePolicyDenials, roleTrustStatements } from './sections/access-control';
import { resourceIndex, sourcesAnnex } from './sections/sources';
import { VerificationEvidence, recoverySection } from './sections/recovery';
import { residencySection } from './sections/residency';
import { retentionSection } from './sections/retention';
import { safeguardsSection } from './sections/safeguards';
import { subProcessorsSection } from './sections/sub-processors';

/** What every section may use besides the cell's templates: where the pack came from. */
export interface PackContext {
  /** The configuration file, as the reader will find it. */
  readonly configFile: string;
  /** What the cloud assembly was synthesized from (git commit, config hash, time, library versions). */
  readonly synthesis: SynthRecord;
  /** The last `npm run verify` report of the cell, if one was found. */
  readonly verification?: VerificationEvidence;
  /** Every anchor in this cell's pack (sections and the anchors inside them), for sections that link to others. */
  readonly anchors: ReadonlySet<string>;
  /** The sub-processors of an earlier pack or git ref, when `--since` was given. */
  readonly since?: PreviousSubProcessors;
}

/** One section of a cell's pack: an anchor other sections link to, its title for the contents, and how it renders. */
export interface PackSection {
  /** The HTML anchor (`#access-control`); stable, so that links from the first page survive renumbering. */
  readonly anchor: string;
  /** The title as the contents list shows it. */
  readonly title: string;
  /** The Markdown of the section, heading included; undefined leaves the section out of this cell's pack. */
  readonly render: (ev: CellEvidence, ctx: PackContext) => string | undefined;
  /** Rendered after the others, so that `ctx.anchors` holds every anchor of the pack (the first page links to them). */
  readonly linksToOthers?: boolean;
}


/**
 * The sections of a cell's pack, in order: the one place a new section is registered.
 * The first page (sections/five-questions.ts) links to sections by anchor and only when they are here.
 */
export const PACK_SECTIONS: readonly PackSection[] = [
  { anchor: 'five-questions', title: 'The five questions', render: (ev, ctx) => fiveQuestionsSection(ev, ctx.anchors), linksToOthers: true },
  { anchor: 'deploy-checks', title: 'Deploy-time checks', render: (ev) => deployChecksSection(ev) },
  { anchor: 'safeguards', title: '1. HIPAA technical safeguards', render: (ev) => safeguardsSection(ev) },
  { anchor: 'encryption', title: '2. Encryption at rest and in transit', render: (ev) => encryptionSection(ev) },
  { anchor: WHO_CAN_REACH_ANCHOR, title: 'Who can reach each clinic\'s data', render: (ev) => phiReachSection(ev) },
  { anchor: 'residency', title: '3. Data residency', render: (ev) => residencySection(ev) },
  { anchor: 'retention', title: '4. Retention', render: (ev) => retentionSection(ev) },
  { anchor: 'policy-results', title: '5. Policy results', render: (ev) => policyResultsSection(ev) },
  { anchor: 'sub-processors', title: '6. Sub-processors and the BAA chain', render: (ev) => subProcessorsSection(ev) },
  { anchor: 'diagram', title: '7. Architecture diagram', render: (ev) => diagramSection(ev) },
  { anchor: 'gdpr', title: 'GDPR records (EU cells) and sub-processor changes', render: (ev, ctx) => gdprSection(ev, ctx.since) },
  { anchor: 'recovery', title: '8. Recovery and live verification', render: (ev, ctx) => recoverySection(ev, ctx.verification, ctx.synthesis.configSha256) },
];

/**
 * The sections of a cell's annex, in order: every statement of every key, resource and trust policy, every acknowledgement
 * with its reason, and every template's digest. The pack states what they amount to and links here; nothing is in the
 * annex alone that the pack claims without a link.
 */
export const ANNEX_SECTIONS: readonly PackSection[] = [
  { anchor: 'deploy-check-list', title: 'A0. Deploy-time checks', render: (ev) => deployChecksAnnex(ev) },
  { anchor: 'key-policies', title: 'A1. KMS key policy statements', render: (ev) => keyPolicyStatements(ev) },
  { anchor: 'resource-policies', title: 'A2. Resource policy denials', render: (ev) => resourcePolicyDenials(ev) },
  { anchor: 'role-trust', title: 'A3. Trust policy of every role', render: (ev) => roleTrustStatements(ev) },
  { anchor: 'acknowledgements', title: 'A4. Acknowledged findings and their reasons', render: (ev) => acknowledgementsAnnex(ev) },
  { anchor: 'template-digests', title: 'A5. Template files and their SHA-256', render: (ev) => sourcesAnnex(ev) },
  { anchor: 'alarm-filters', title: 'A6. Metric filters of the alarms', render: (ev) => alarmFiltersAnnex(ev) },
  // Last: it lists every resource the pack and the sections above named.
  { anchor: 'resource-index', title: 'A7. Where each named resource is', render: (ev) => resourceIndex(ev) },
];

/** The anchor a section is registered under, if it is in the pack. */
export function sectionAnchor(anchor: string): string | undefined {
  return PACK_SECTIONS.some((s) => s.anchor === anchor) ? anchor : undefined;
}
