import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as path from 'node:path';
import { z } from 'zod';
import { migrateDatabase, MigrateResult } from './migrate';
import { DatabasePlan } from './plan';

/**
 * The migration function: CloudFormation calls it as a custom resource on every deploy whose
 * migration files or clinic plan changed; it applies them with the master secret and answers
 * SUCCESS or FAILED, so that a failed migration fails (and rolls back) the deploy.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requests.html
 */

/** The fields of a CloudFormation custom resource request that this function reads. */
export interface CustomResourceEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: Record<string, unknown>;
}

const clinic = z.strictObject({
  clinicId: z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/),
  databaseUser: z.string().regex(/^tenant_[a-z0-9_]+$/),
});
/** The plan arrives as text in the resource properties; anything else is refused before any SQL runs. */
const PlanSchema = z.strictObject({ active: z.array(clinic), offboarded: z.array(clinic) });

const MasterSecretSchema = z.object({ username: z.string(), password: z.string() });

/** Never changes: an update must not look like a replacement, whose cleanup would send a Delete. */
const PHYSICAL_ID = 'voice-database-schema';

export interface HandlerDependencies {
  readonly secrets: SecretsManagerClient;
  readonly migrate: typeof migrateDatabase;
  readonly respond: (url: string, body: string) => Promise<void>;
  readonly env: NodeJS.ProcessEnv;
  /** Where the bundle keeps the SQL files. */
  readonly migrationsDirectory: string;
  readonly log: (line: string) => void;
}

/** Uploads the response to the pre-signed S3 URL, with no content type, as the signature expects. */
async function putResponse(url: string, body: string): Promise<void> {
  const response = await fetch(url, { method: 'PUT', body, headers: { 'content-type': '' } });
  if (!response.ok) throw new Error(`CloudFormation response upload failed: HTTP ${response.status}`);
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

async function apply(event: CustomResourceEvent, deps: HandlerDependencies): Promise<MigrateResult> {
  const plan: DatabasePlan = PlanSchema.parse(JSON.parse(String(event.ResourceProperties.Plan)));
  const secret = await deps.secrets.send(new GetSecretValueCommand({ SecretId: required(deps.env, 'MASTER_SECRET_ARN') }));
  const master = MasterSecretSchema.parse(JSON.parse(secret.SecretString ?? '{}'));
  return deps.migrate(
    {
      connection: {
        host: required(deps.env, 'DATABASE_HOST'),
        port: Number(required(deps.env, 'DATABASE_PORT')),
        user: master.username,
        password: master.password,
        // The server forces TLS; the RDS CA comes from NODE_EXTRA_CA_CERTS, set on the function.
        ssl: { rejectUnauthorized: true },
        connectionTimeoutMillis: 20_000,
      },
      migrationsDirectory: deps.migrationsDirectory,
      actor: `migration-function ${event.StackId.split('/')[1] ?? event.StackId}`,
      log: deps.log,
    },
    plan,
  );
}

export async function handle(event: CustomResourceEvent, deps: HandlerDependencies): Promise<void> {
  let status: 'SUCCESS' | 'FAILED' = 'SUCCESS';
  let reason = 'ok';
  let data: Record<string, string> = {};
  try {
    // Deleting the resource (or the stack) never touches the database: data outlives the schema resource.
    if (event.RequestType !== 'Delete') {
      const result = await apply(event, deps);
      data = {
        AppliedMigrations: result.applied.join(',') || 'none',
        OffboardedClinics: result.offboarded.map((o) => o.clinicId).join(',') || 'none',
        AuditChainEntries: String(result.auditChain.entries),
        AuditChainIntact: String(result.auditChain.intact),
        AuditChainHead: result.auditChain.headHash,
      };
      // One line per run in the function's audit-class log group: what changed and the chain's head.
      deps.log(JSON.stringify({ event: 'database-migrated', requestType: event.RequestType, ...result }));
      if (!result.auditChain.intact) {
        deps.log(JSON.stringify({ event: 'AUDIT_CHAIN_BROKEN', firstBrokenSeq: result.auditChain.firstBrokenSeq }));
      }
    }
  } catch (error) {
    status = 'FAILED';
    // The reason shows in the stack events; it names the migration and the PostgreSQL error, never values.
    reason = (error instanceof Error ? error.message : String(error)).slice(0, 1000);
    deps.log(JSON.stringify({ event: 'database-migration-failed', reason }));
  }
  const body = JSON.stringify({
    Status: status,
    Reason: reason,
    PhysicalResourceId: event.PhysicalResourceId ?? PHYSICAL_ID,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    Data: data,
  });
  await deps.respond(event.ResponseURL, body);
}

let secrets: SecretsManagerClient | undefined;

/** The Lambda entry point. */
export async function handler(event: CustomResourceEvent): Promise<void> {
  secrets ??= new SecretsManagerClient({});
  await handle(event, {
    secrets,
    migrate: migrateDatabase,
    respond: putResponse,
    env: process.env,
    migrationsDirectory: path.join(__dirname, 'sql'),
    log: (line) => console.log(line),
  });
}
