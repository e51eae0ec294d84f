import { fixtureConfig } from '../fixtures/config';
import { synthesized } from '../helpers';
import { packsAndAnnexesOf } from './support';

test.each([3, 30])('size at %i clinics', (n) => {
  const { packs, annexes } = packsAndAnnexesOf(synthesized(fixtureConfig({ cells: 1, tenantsPerCell: n })));
  console.log(`${n} clinics: pack ${Buffer.byteLength(packs['us-east'])} B ${packs['us-east'].split('\n').length} lines; annex ${Buffer.byteLength(annexes['us-east'])} B`);
  require('fs').writeFileSync(`/tmp/pack-${n}.md`, packs['us-east']);
  require('fs').writeFileSync(`/tmp/annex-${n}.md`, annexes['us-east']);
});
