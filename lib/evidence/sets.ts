import { CellEvidence } from './cell-evidence';
import { maskClinics } from './compact';
import { plural } from './markdown';

const NOUNS: Record<string, [string, string]> = {
  'AWS::S3::Bucket': ['bucket', 'buckets'],
  'AWS::SNS::Topic': ['topic', 'topics'],
  'AWS::SQS::Queue': ['queue', 'queues'],
  'AWS::KMS::Key': ['key', 'keys'],
};

/**
 * Resources of one type, for a table cell: `every bucket of the cell (17)` when they are all of that type in the cell,
 * else their count and names, clinic ids written `<clinic>` (`10 buckets: vp-phi-<clinic>-rec (all but clinic-002), …`).
 * `names` holds one name per resource (two resources may share a name, in two regions).
 */
export function resourceSet(ev: CellEvidence, type: string, names: readonly string[]): string {
  const [one, many] = NOUNS[type] ?? ['resource', 'resources'];
  const all = ev.resources(type).length;
  if (all > 1 && names.length === all) return `every ${one} of the cell (${all})`;
  return `${plural(names.length, one, many)}: ${maskClinics(ev, [...new Set(names)]).join(', ')}`;
}
