import { fixtureConfig } from '../fixtures/config';
import { synthesized } from '../helpers';
import { packsAndAnnexesOf } from './support';

/**
 * Issue 16: the per-cell pack of the example's US cell (three clinics) was 114 KB; it must be at most half, no fact lost
 * (each fact's own test proves it is still stated, in the pack or in the annex the pack links to). A fixture of the same
 * shape, not config/platform.yaml, so that a user who adds clinics does not turn the tests red.
 */
const HALF_OF_114_KB = 57_000;

describe('the evidence pack stays short, whatever the number of clinics', () => {
  const packOf = (tenantsPerCell: number) => packsAndAnnexesOf(synthesized(fixtureConfig({ cells: 2, tenantsPerCell })));
  const three = packOf(3);

  test('the pack of a three-clinic cell is at most half of the 114 KB it was', () => {
    expect(Buffer.byteLength(three.packs['us-east'], 'utf8')).toBeLessThanOrEqual(HALF_OF_114_KB);
  });

  test('thirty clinics make the same pack, but for the counts; the annex grows by each tenant stack\'s template digest only', () => {
    const thirty = packOf(30);
    const pack = (p: typeof three) => p.packs['us-east'];
    expect(pack(thirty).split('\n')).toHaveLength(pack(three).split('\n').length);
    expect(Buffer.byteLength(pack(thirty)) - Buffer.byteLength(pack(three))).toBeLessThan(1_000);
    // Two tenant stacks per clinic, each a row of file name and SHA-256 (A5) and nothing else that grows per clinic.
    const digestRow = three.annexes['us-east'].split('\n').find((l) => l.startsWith('| `us-east/Tenant-'))!;
    const growth = Buffer.byteLength(thirty.annexes['us-east']) - Buffer.byteLength(three.annexes['us-east']);
    expect(growth).toBeLessThan(27 * 2 * (Buffer.byteLength(digestRow) + 20));
  });
});
