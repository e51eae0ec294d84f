import { CloudFormationClient, paginateListStackResources } from '@aws-sdk/client-cloudformation';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { ExpectedStack } from './expectations';

/** Any AWS SDK v3 client: what `client()` makes and caches. */
interface SdkClient {
  destroy(): void;
}
type ClientClass<T extends SdkClient> = new (config: {
  region: string;
  maxAttempts?: number;
  requestHandler?: { connectionTimeout?: number; requestTimeout?: number };
}) => T;

/**
 * The account as verify sees it: read-only SDK clients per service and region, made once and
 * bounded in time, and the two look-ups every family shares (a stack's physical resource ids, a
 * key's ARN). The credential chain is the SDK's default, the same one the account check used.
 */
export class AwsAccess {
  private readonly clients = new Map<string, SdkClient>();
  private readonly stackResources = new Map<string, Promise<Map<string, string>>>();
  private readonly keys = new Map<string, Promise<string | undefined>>();

  /** A client of one service in one region, with short timeouts and few retries, so that no check hangs. */
  client<T extends SdkClient>(Client: ClientClass<T>, region: string): T {
    const key = `${Client.name}|${region}`;
    let client = this.clients.get(key);
    if (!client) {
      client = new Client({ region, maxAttempts: 3, requestHandler: { connectionTimeout: 5_000, requestTimeout: 20_000 } });
      this.clients.set(key, client);
    }
    return client as T;
  }

  /** Logical id to physical id of every resource of a deployed stack (CloudFormation ListStackResources). */
  physicalIds(stack: ExpectedStack): Promise<Map<string, string>> {
    const key = `${stack.region}|${stack.stackName}`;
    let found = this.stackResources.get(key);
    if (!found) {
      found = (async () => {
        const ids = new Map<string, string>();
        const client = this.client(CloudFormationClient, stack.region);
        for await (const page of paginateListStackResources({ client }, { StackName: stack.stackName })) {
          for (const r of page.StackResourceSummaries ?? []) {
            if (r.LogicalResourceId && r.PhysicalResourceId) ids.set(r.LogicalResourceId, r.PhysicalResourceId);
          }
        }
        return ids;
      })();
      this.stackResources.set(key, found);
    }
    return found;
  }

  /** The physical id of one resource; throws a readable error when the stack does not have it. */
  async physicalId(stack: ExpectedStack, logicalId: string): Promise<string> {
    const id = (await this.physicalIds(stack)).get(logicalId);
    if (!id) throw Object.assign(new Error(`stack ${stack.stackName} has no resource ${logicalId}`), { name: 'ResourceNotDeployed' });
    return id;
  }

  /** The ARN of a key, by alias (`alias/...`), key id or ARN, in a region (KMS DescribeKey). */
  keyArn(region: string, keyId: string): Promise<string | undefined> {
    const key = `${region}|${keyId}`;
    let found = this.keys.get(key);
    if (!found) {
      const client = this.client(KMSClient, region);
      found = (async () => (await client.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.Arn)();
      this.keys.set(key, found);
    }
    return found;
  }

  destroy(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }
}
