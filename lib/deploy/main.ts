import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { ECRClient } from '@aws-sdk/client-ecr';
import { STSClient } from '@aws-sdk/client-sts';
import { spawnRunner } from './cdk';
import { runDeploy } from './cli';
import { PROJECT_ROOT, gitState } from './environment';

/**
 * An STS client for the cell's primary region that cannot hang: short connection and request
 * timeouts and few attempts, so that an unreachable endpoint becomes a refusal within seconds.
 * The credential chain is the SDK's default, the same one cdk uses after us.
 */
export function stsClientFor(region: string): STSClient {
  return new STSClient({
    region,
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 10_000 },
  });
}

/** A CloudFormation client for a region of the cell, bounded like the STS client. */
export function cloudFormationClientFor(region: string): CloudFormationClient {
  return new CloudFormationClient({
    region,
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 10_000 },
  });
}

/** An ECR client for a region of the cell, bounded like the STS client: a check that cannot answer becomes a refusal, not a hang. */
export function ecrClientFor(region: string): ECRClient {
  return new ECRClient({
    region,
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 10_000 },
  });
}

/** The deploy entry point (`npm run deploy -- <cell-id>`): sets the exit code, prints no stack trace for a refusal. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  process.exitCode = await runDeploy(argv, {
    sts: stsClientFor,
    cloudformation: cloudFormationClientFor,
    ecr: ecrClientFor,
    runner: spawnRunner(PROJECT_ROOT),
    git: () => gitState(PROJECT_ROOT),
  });
}
