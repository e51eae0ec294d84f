import { fixtureConfig, fixtureTenantId } from '../fixtures/config';
import { synthesized } from '../helpers';
import { clinicRow, evidenceOf, linesWith, section } from './support';

describe('the evidence pack shows the voice data path', () => {
  const result = synthesized(fixtureConfig({ cells: 2, tenantsPerCell: 2 }));
  const reports = evidenceOf(result);
  const us = reports['us-east'];
  const eu = reports['eu-central'];

  test('per clinic, only the credential broker and break-glass can obtain its role', () => {
    for (const n of [1, 2]) {
      const id = fixtureTenantId('us-east', n);
      const obtain = us.slice(us.indexOf('#### Who can obtain each clinic\'s role'), us.indexOf('#### Database'));
      const row = clinicRow(obtain, id, `| vp-us-east-tenant-${id}`)!;
      // Roles of the cell's own account are written role/<name> (the header says so).
      expect(row).toContain('| role/vp-us-east-break-glass<br>role/vp-us-east-credential-broker |');
      expect(obtain).toContain('`role/`: of this account');
      expect(row).not.toContain('voice-task');
      expect(row.trim().endsWith('| yes |')).toBe(true);
    }
  });

  test('the sub-processor section lists every allowed endpoint next to its contract, EU hosts in the EU cell only', () => {
    const usSection = section(us, '6. Sub-processors');
    expect(linesWith(usSection, '`api.us.speech.example.com`', 'Fixture Speech AI Ltd.', 'BAA signed 2026-02-01', 'allowed')).toHaveLength(1);
    expect(usSection).not.toContain('api.eu.speech.example.com');
    const euSection = section(eu, '6. Sub-processors');
    expect(linesWith(euSection, '`api.eu.speech.example.com`', 'DPA signed 2026-02-01', 'allowed')).toHaveLength(1);
    expect(euSection).not.toContain('api.us.speech.example.com');
    expect(euSection).toContain('blocks every other name');
  });

  test('the transmission section lists every hop of a call with its protocol and minimum TLS', () => {
    const hops = us.slice(us.indexOf('#### Every hop of a call'));
    expect(linesWith(hops, 'telephony provider → load balancer', 'TLS 1.2')).toHaveLength(1);
    expect(linesWith(hops, 'load balancer → voice task', 'HTTPS 8080; health checks HTTPS', 'TLS 1.2')).toHaveLength(1);
    expect(linesWith(hops, 'voice task → database', 'TLS required')).toHaveLength(1);
    expect(linesWith(hops, 'voice task → Fixture Telephony Co.', 'HTTPS 443')).toHaveLength(1);
    expect(linesWith(hops, 'voice task → Fixture Speech AI Ltd.', 'HTTPS 443')).toHaveLength(1);
    for (const hop of ['voice task → S3', 'voice task → KMS', 'voice task → credential broker']) expect(linesWith(hops, hop, 'TLS 1.2')).toHaveLength(1);
    expect(hops.split('\n## ')[0]).not.toContain('**unencrypted**');
  });
});
