import { validateConfig } from '../../lib/config';
import { rawFixtureConfig } from '../fixtures/config';

const withGithub = (github: object) => rawFixtureConfig({ cells: 1, tenantsPerCell: 1, edit: (raw) => (raw.cells[0].deployFrom = { github }) });

describe('cells[].deployFrom.github', () => {
  test('accepts a repository with an environment, and defaults to no CI identity', () => {
    expect(validateConfig(withGithub({ repository: 'example-org/voice-platform', environment: 'deploy-us-east' })).cells[0].deployFrom.github?.environment).toBe('deploy-us-east');
    expect(validateConfig(rawFixtureConfig({ cells: 1, tenantsPerCell: 1 })).cells[0].deployFrom.github).toBeUndefined();
  });

  test('refuses neither or both of environment and branch, naming the field and the fix', () => {
    for (const github of [{ repository: 'example-org/voice-platform' }, { repository: 'example-org/voice-platform', environment: 'e', branch: 'main' }]) {
      expect(() => validateConfig(withGithub(github))).toThrow(/deployFrom\.github.*exactly one of environment \(preferred: its required reviewers approve each deploy\) or branch/s);
    }
  });

  test('refuses a repository that is not owner/name', () => {
    expect(() => validateConfig(withGithub({ repository: 'voice-platform', branch: 'main' }))).toThrow(/deployFrom\.github\.repository.*"owner\/name"/s);
  });
});
