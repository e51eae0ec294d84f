import { fixtureConfig } from '../fixtures/config';
import { synthesized } from '../helpers';
import { evidenceOf } from './support';

/**
 * Issue 16 asks for the per-cell pack at half its old length: the example's US cell was 129,129 bytes, so the budget
 * is 64,564, not reached yet. Grouping without losing a fact has brought a cell of the same shape (two cells, three
 * clinics each, scratch paths included) to about 122,400 bytes: this guards against growth until the budget is met.
 * A fixture, not config/platform.yaml, so that a user who adds clinics does not turn the tests red.
 */
const US_PACK_BYTES_REACHED = 124_000;
const US_PACK_BYTES_BUDGET = 64_564;

test('the evidence pack of a three-clinic cell does not grow past the size grouping reached (budget: half of 129,129 bytes)', () => {
  const result = synthesized(fixtureConfig({ cells: 2, tenantsPerCell: 3 }));
  const bytes = Buffer.byteLength(evidenceOf(result)['us-east'], 'utf8');
  expect(bytes).toBeLessThanOrEqual(Math.max(US_PACK_BYTES_REACHED, US_PACK_BYTES_BUDGET));
});
