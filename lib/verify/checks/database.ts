import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { CheckFamily, attempt, fail, verdict } from '../check';

/**
 * The database is available, Multi-AZ as its template says, encrypted with the database key, and
 * its parameter group is in sync: "pending-reboot" would mean that `rds.force_ssl` or pgaudit, which
 * need a reboot, are not applied yet.
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithParamGroups.Modifying.html
 */
export const databaseChecks: CheckFamily = {
  title: 'database: available, Multi-AZ, key, parameters',
  async run(ctx) {
    const { instanceId, region, keyAlias, multiAz } = ctx.expected.database;
    return attempt(`database ${instanceId}`, region, async () => {
      let instance;
      try {
        instance = (await ctx.aws.client(RDSClient, region).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: instanceId }))).DBInstances?.[0];
      } catch (e) {
        if ((e as Error).name === 'DBInstanceNotFoundFault') return fail(`database ${instanceId}`, region, 'not found');
        throw e;
      }
      if (!instance) return fail(`database ${instanceId}`, region, 'not found');
      const expectedKey = await ctx.aws.keyArn(region, keyAlias);
      const groups = instance.DBParameterGroups ?? [];
      const unsynced = groups.filter((g) => g.ParameterApplyStatus !== 'in-sync');
      return [
        verdict(instance.DBInstanceStatus === 'available', `database ${instanceId} available`, region, `status ${instance.DBInstanceStatus ?? 'unknown'}`),
        verdict(
          instance.MultiAZ === multiAz,
          `database ${instanceId} Multi-AZ`,
          region,
          `${instance.MultiAZ ? 'Multi-AZ' : 'single-AZ'}${instance.SecondaryAvailabilityZone ? ` (standby in ${instance.SecondaryAvailabilityZone})` : ''}; the template says ${multiAz ? 'Multi-AZ' : 'single-AZ'}`,
        ),
        verdict(
          instance.StorageEncrypted === true && !!expectedKey && instance.KmsKeyId === expectedKey,
          `database ${instanceId} encryption`,
          region,
          instance.StorageEncrypted ? `encrypted with ${instance.KmsKeyId === expectedKey ? keyAlias : `${instance.KmsKeyId}, not ${keyAlias}`}` : 'storage not encrypted',
        ),
        verdict(
          groups.length > 0 && unsynced.length === 0,
          `database ${instanceId} parameters applied`,
          region,
          groups.length === 0
            ? 'no parameter group'
            : unsynced.length === 0
              ? `${groups.map((g) => g.DBParameterGroupName).join(', ')} in-sync`
              : unsynced.map((g) => `${g.DBParameterGroupName} ${g.ParameterApplyStatus}${g.ParameterApplyStatus === 'pending-reboot' ? ': reboot to apply rds.force_ssl and pgaudit' : ''}`).join('; '),
        ),
      ];
    });
  },
};
