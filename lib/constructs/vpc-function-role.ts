import { Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { acknowledge } from '../compliance/acknowledge';
import { EncryptedLogGroup } from './encrypted-log-group';
import { ScopedRole } from './scoped-role';

/**
 * The two findings every role of our VPC Lambda functions carries, acknowledged with their reasons:
 * AWS's managed policy for the function's network interfaces, and writing to log streams that
 * Lambda names itself, in the function's own log group.
 */
export function acknowledgeVpcFunctionRole(role: ScopedRole, logGroup: EncryptedLogGroup): void {
  acknowledge(
    role,
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
    'AWS\'s own policy for the network interfaces Lambda creates in the VPC for this function (ec2 network-interface actions, which take no resource ARN); maintained by AWS as Lambda changes, and held by this one function only.',
  );
  const logGroupId = Stack.of(role).getLogicalId(logGroup.node.defaultChild as logs.CfnLogGroup);
  acknowledge(
    role.node.findChild('Permissions'),
    `AwsSolutions-IAM5[Resource::<${logGroupId}.Arn>:log-stream:*]`,
    'Lambda names the log streams of each execution environment itself; the permission covers only streams of the function\'s own log group.',
  );
}
