import * as events from 'aws-cdk-lib/aws-events';

/**
 * A JSON alert message of constants and event fields. Every field is quoted, so that a field
 * absent from an event (errorCode on a successful call) leaves the message valid JSON.
 */
export class AlertMessage extends events.RuleTargetInput {
  constructor(
    private readonly constants: Record<string, string>,
    private readonly fields: Record<string, string>,
    private readonly link: string,
  ) {
    super();
  }

  public bind(): events.RuleTargetInputProperties {
    const placeholders = Object.fromEntries(Object.keys(this.fields).map((name) => [name, `<${name}>`]));
    return {
      inputPathsMap: { ...this.fields },
      inputTemplate: JSON.stringify({ ...this.constants, ...placeholders, link: this.link }),
    };
  }
}
