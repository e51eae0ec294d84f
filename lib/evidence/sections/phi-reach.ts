import { ClinicReach, Reach, cellReachability } from '../../compliance/access';
import { CellEvidence } from '../cell-evidence';
import { blocks, cell, code, table } from '../markdown';
import { props } from '../template';

/**
 * Who can reach each clinic's data: every principal of the templates that can read a clinic's PHI,
 * by which path, and what alerts when that path is used; computed by lib/compliance/access, the same
 * computation as the NoPathToPhi rule. Clinics with the same shape of rows share one table.
 */
export function phiReachSection(ev: CellEvidence): string {
  const result = cellReachability(
    { cellId: ev.cell.id, account: ev.cell.account, stacks: ev.stacks.map((s) => ({ stackName: s.stackName, region: s.region, template: s.template as any })) },
    ev.naming,
  );
  const alerts = alertsByRole(ev);
  // Roles of the cell's own account are written `role/<name>`; any other account's ARN stays whole.
  const ownRoles = `arn:aws:iam::${ev.cell.account}:role/`;
  const groups = new Map<string, { clinics: string[]; rows: string[][] }>();
  for (const clinic of result) {
    const rows = clinic.reachers.map((r) => row(r, clinic, alerts).map((c) => c.split(ownRoles).join('role/')));
    const shape = JSON.stringify(rows);
    const group = groups.get(shape) ?? { clinics: [], rows };
    group.clinics.push(clinic.clinic);
    groups.set(shape, group);
  }
  const tables = [...groups.values()].flatMap((g) => [
    g.clinics.length > 1 && g.clinics.length === result.length
      ? `**${g.clinics.length === 2 ? 'Both clinics' : `All ${g.clinics.length} clinics`} of the cell** (\`{clinic}\` below stands for each of them)`
      : `**${g.clinics.length === 1 ? 'Clinic' : `${g.clinics.length} clinics`}:** ${g.clinics.map(code).join(', ')}${g.clinics.length > 1 ? ' (`{clinic}` below stands for each of them)' : ''}`,
    table(['Principal', 'Designed as', 'Path (assume-role steps, then the read)', 'Alerts when used', 'Verdict'], g.rows),
  ]);
  return blocks(
    '## Who can reach each clinic\'s data',
    'Computed by `lib/compliance/access` (as the `NoPathToPhi` rule): every principal of the templates (role, account, AWS service, identity ' +
      'provider) that can read a clinic\'s objects (S3 read and KMS decrypt with its key), directly or through `sts:AssumeRole` steps, under trust, identity, ' +
      'boundary, bucket and key policies; a condition the templates cannot decide counts as met in an allow, unmet in a deny. `account:<id>`: any identity its own account\'s policies allow; ' +
      `\`role/<name>\` is a role of the cell's account ${code(ev.cell.account)}. ` +
      'Alerts: the EventBridge rules and metric filters whose pattern names the role the path enters.',
    tables.length ? blocks(...tables) : '_This cell holds no clinics._',
  );
}

function row(reach: Reach, clinic: ClinicReach, alerts: Map<string, string[]>): string[] {
  const shaped = (text: string) => text.split(clinic.clinic).join('{clinic}');
  // The last step reads any of the clinic's PHI buckets (which exist depends on its recording choice): named by the clinic, not the bucket.
  const steps = reach.path.map((s, i) => (i === reach.path.length - 1 ? `${s.action} on the clinic's PHI objects` : `${s.action} ${s.resource}`));
  const used = [...new Set(reach.path.flatMap((s) => [s.principal, s.resource]).flatMap((id) => alerts.get(id) ?? []))];
  return [
    code(shaped(reach.principal.id)),
    cell(reach.designed ?? (reach.violation ? '' : 'enters a designed principal')),
    cell(steps.map((s) => shaped(s)).join(' → ')),
    cell(used.length ? used.join(', ') : 'none'),
    cell(reach.violation ? '**not designed** (acknowledged or failing synth; see Policy results)' : 'designed'),
  ];
}

/** The alert rules and metric filters whose pattern names a role ARN, by that ARN. */
function alertsByRole(ev: CellEvidence): Map<string, string[]> {
  const byArn = new Map<string, string[]>();
  for (const ref of ev.resources('AWS::Events::Rule', 'AWS::Logs::MetricFilter')) {
    const p = props(ref);
    const text = JSON.stringify(p.EventPattern ?? p.FilterPattern ?? '');
    for (const arn of new Set(text.match(/arn:aws:iam::\d{12}:role\/[\w+=,.@-]+/g) ?? [])) {
      const label = `${ref.resource.Type === 'AWS::Events::Rule' ? 'EventBridge rule' : 'metric filter'} ${ev.name(ref)}`;
      byArn.set(arn, [...(byArn.get(arn) ?? []), label]);
    }
  }
  return byArn;
}
