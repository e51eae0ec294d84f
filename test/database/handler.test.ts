import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { CustomResourceEvent, handle, HandlerDependencies } from '../../lib/database/handler';
import { MigrateOptions, MigrateResult } from '../../lib/database/migrate';
import { DatabasePlan, databasePlan } from '../../lib/database/plan';

// The migration function's contract with CloudFormation, with Secrets Manager mocked and the
// database runner replaced by a recorder (the runner itself is proven on a real PostgreSQL).
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:111111111111:secret:rds!db-00000000-0000-0000-0000-000000000000-AbCdEf';
const PLAN = databasePlan([{ id: 'clinic-a' }, { id: 'clinic-b', offboarding: { terminationDate: '2026-01-31' } }], '2026-02-01');

function event(requestType: CustomResourceEvent['RequestType'], plan: unknown = PLAN): CustomResourceEvent {
  return {
    RequestType: requestType,
    ResponseURL: 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/placeholder',
    StackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/us-east-Data/00000000-0000-0000-0000-000000000000',
    RequestId: 'request-1',
    LogicalResourceId: 'MigrationsSchema',
    PhysicalResourceId: requestType === 'Create' ? undefined : 'voice-database-schema',
    ResourceProperties: { ServiceToken: 'arn', MigrationsHash: 'abc', Plan: JSON.stringify(plan) },
  };
}

const RESULT: MigrateResult = {
  applied: ['0001_baseline.sql'],
  usersCreated: ['tenant_clinic_a'],
  offboarded: [{ clinicId: 'clinic-b', appointmentsDeleted: 2, callsDeleted: 1, userDropped: 'tenant_clinic_b' }],
  auditChain: { entries: 5, intact: true, firstBrokenSeq: null, headHash: 'ab'.repeat(32) },
};

const secrets = mockClient(SecretsManagerClient);

function deps(migrate: jest.Mock): { deps: HandlerDependencies; responses: Array<{ url: string; body: any }> } {
  const responses: Array<{ url: string; body: any }> = [];
  return {
    responses,
    deps: {
      secrets: new SecretsManagerClient({ region: 'us-east-1' }),
      migrate,
      respond: async (url, body) => void responses.push({ url, body: JSON.parse(body) }),
      env: { MASTER_SECRET_ARN: SECRET_ARN, DATABASE_HOST: 'db.placeholder.internal', DATABASE_PORT: '5432' },
      migrationsDirectory: '/bundle/sql',
      log: () => undefined,
    },
  };
}

beforeEach(() => {
  secrets.reset();
  secrets.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: JSON.stringify({ username: 'postgres_admin', password: 'placeholder' }) });
});

test.each(['Create', 'Update'] as const)('%s: logs in with the master secret over verified TLS, applies the plan and answers SUCCESS', async (type) => {
  const migrate = jest.fn(async () => RESULT);
  const { deps: d, responses } = deps(migrate);
  await handle(event(type), d);

  expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  const [options, plan] = migrate.mock.calls[0] as unknown as [MigrateOptions, DatabasePlan];
  expect(options.connection).toMatchObject({ host: 'db.placeholder.internal', port: 5432, user: 'postgres_admin', ssl: { rejectUnauthorized: true } });
  expect(options.migrationsDirectory).toBe('/bundle/sql');
  expect(plan).toEqual(PLAN);
  expect(responses).toHaveLength(1);
  expect(responses[0].url).toBe(event(type).ResponseURL);
  expect(responses[0].body).toMatchObject({
    Status: 'SUCCESS',
    PhysicalResourceId: 'voice-database-schema',
    RequestId: 'request-1',
    LogicalResourceId: 'MigrationsSchema',
    Data: { AppliedMigrations: '0001_baseline.sql', OffboardedClinics: 'clinic-b', AuditChainIntact: 'true', AuditChainEntries: '5' },
  });
});

test('a failing migration answers FAILED with the reason, which fails the deploy', async () => {
  const migrate = jest.fn(async () => {
    throw new Error('Migration failed. Reason: An error occurred running \'broken\'. Rolled back this migration.');
  });
  const { deps: d, responses } = deps(migrate);
  await handle(event('Update'), d);
  expect(responses[0].body.Status).toBe('FAILED');
  expect(responses[0].body.Reason).toMatch(/Rolled back this migration/);
});

test('a plan that names a database user outside the clinic pattern is refused before any secret is read', async () => {
  const migrate = jest.fn(async () => RESULT);
  const { deps: d, responses } = deps(migrate);
  await handle(event('Update', { active: [{ clinicId: 'clinic-a', databaseUser: 'postgres_admin' }], offboarded: [] }), d);
  expect(responses[0].body.Status).toBe('FAILED');
  expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  expect(migrate).not.toHaveBeenCalled();
});

test('Delete never touches the database and answers SUCCESS, so removing the resource keeps every row', async () => {
  const migrate = jest.fn(async () => RESULT);
  const { deps: d, responses } = deps(migrate);
  await handle(event('Delete'), d);
  expect(migrate).not.toHaveBeenCalled();
  expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  expect(responses[0].body).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'voice-database-schema' });
});

test('a missing master secret answers FAILED', async () => {
  secrets.reset();
  secrets.on(GetSecretValueCommand).rejects(new Error('AccessDeniedException'));
  const migrate = jest.fn(async () => RESULT);
  const { deps: d, responses } = deps(migrate);
  await handle(event('Create'), d);
  expect(responses[0].body).toMatchObject({ Status: 'FAILED', Reason: 'AccessDeniedException', PhysicalResourceId: 'voice-database-schema' });
  expect(migrate).not.toHaveBeenCalled();
});
