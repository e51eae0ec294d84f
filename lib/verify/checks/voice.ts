import { DescribeServicesCommand, DescribeTasksCommand, ECSClient, ListTasksCommand, Task } from '@aws-sdk/client-ecs';
import { DescribeTargetHealthCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { CheckFamily, CheckResult, attempt, fail, pass, skip, verdict } from '../check';

/**
 * The voice service runs its desired task count, every running task runs the configured image
 * digest, and every target of its load balancer target groups is healthy.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeServices.html
 */
export const voiceChecks: CheckFamily = {
  title: 'voice service: tasks, image digest, targets',
  async run(ctx) {
    const voice = ctx.expected.voice;
    if (!voice) {
      return [skip('voice service', ctx.expected.primaryRegion, 'the image digest in config is the placeholder: the Voice stack is not deployed yet')];
    }
    const { region, cluster, service: serviceName, imageDigest } = voice;
    return attempt(`voice service ${serviceName}`, region, async () => {
      const ecs = ctx.aws.client(ECSClient, region);
      const { services = [] } = await ecs.send(new DescribeServicesCommand({ cluster, services: [serviceName] }));
      const service = services[0];
      if (!service || service.status !== 'ACTIVE') return fail(`voice service ${serviceName}`, region, `not active in cluster ${cluster}${service?.status ? ` (${service.status})` : ''}`);
      const rows: CheckResult[] = [
        verdict(
          service.desiredCount !== undefined && service.desiredCount > 0 && service.runningCount === service.desiredCount,
          `voice service ${serviceName} tasks`,
          region,
          `${service.runningCount ?? 0} running of ${service.desiredCount ?? 0} desired${service.pendingCount ? `, ${service.pendingCount} pending` : ''}`,
        ),
      ];

      const taskArns: string[] = [];
      let token: string | undefined;
      do {
        const page = await ecs.send(new ListTasksCommand({ cluster, serviceName, desiredStatus: 'RUNNING', nextToken: token }));
        taskArns.push(...(page.taskArns ?? []));
        token = page.nextToken;
      } while (token);
      const tasks: Task[] = [];
      for (let i = 0; i < taskArns.length; i += 100) tasks.push(...((await ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns.slice(i, i + 100) }))).tasks ?? []));
      const wrong = tasks.filter((t) => !(t.containers ?? []).some((c) => c.imageDigest === imageDigest));
      rows.push(
        tasks.length === 0
          ? fail(`voice service ${serviceName} image`, region, 'no running task')
          : verdict(
              wrong.length === 0,
              `voice service ${serviceName} image`,
              region,
              wrong.length === 0
                ? `all ${tasks.length} running task(s) run ${imageDigest.slice(0, 19)}…`
                : `${wrong.length} of ${tasks.length} running task(s) do not run the configured digest ${imageDigest.slice(0, 19)}… (they run ${[...new Set(wrong.flatMap((t) => (t.containers ?? []).map((c) => c.imageDigest?.slice(0, 19) ?? 'unknown')))].join(', ')})`,
            ),
      );

      const elb = ctx.aws.client(ElasticLoadBalancingV2Client, region);
      for (const lb of service.loadBalancers ?? []) {
        if (!lb.targetGroupArn) continue;
        const group = lb.targetGroupArn.split(':').pop()!;
        const { TargetHealthDescriptions: targets = [] } = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: lb.targetGroupArn }));
        const unhealthy = targets.filter((t) => t.TargetHealth?.State !== 'healthy');
        rows.push(
          targets.length === 0
            ? fail(`load balancer targets ${group}`, region, 'no registered target')
            : unhealthy.length === 0
              ? pass(`load balancer targets ${group}`, region, `${targets.length} target(s), all healthy`)
              : fail(
                  `load balancer targets ${group}`,
                  region,
                  `${unhealthy.length} of ${targets.length} target(s) not healthy: ${unhealthy.map((t) => `${t.Target?.Id ?? '?'} ${t.TargetHealth?.State ?? '?'}${t.TargetHealth?.Reason ? ` (${t.TargetHealth.Reason})` : ''}`).join(', ')}`,
                ),
        );
      }
      if (!(service.loadBalancers ?? []).some((lb) => lb.targetGroupArn)) rows.push(fail(`load balancer targets`, region, 'the service has no target group'));
      return rows;
    });
  },
};
