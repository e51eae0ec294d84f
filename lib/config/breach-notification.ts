import { z } from 'zod';

/**
 * The longest promise a business associate may make: HIPAA lets it notify the covered entity
 * "without unreasonable delay and in no case later than 60 calendar days after discovery" (45 CFR 164.410(b)).
 */
export const HIPAA_MAX_NOTIFICATION_HOURS = 60 * 24;

/**
 * The longest promise to an EU clinic: the controller must notify its supervisory authority within
 * 72 hours of becoming aware (GDPR Art. 33(1)), and the processor must tell it "without undue delay"
 * (Art. 33(2)), so a processor's promise beyond 72 hours would make the controller late by contract.
 */
export const GDPR_MAX_NOTIFICATION_HOURS = 72;

/** A person or role mailbox of the operator who notifies clinics of a breach. */
export const NotificationContactSchema = z.strictObject({
  /** The role, never a person's name: `Privacy officer`, `Security on-call`. */
  role: z.string({ error: 'must be the contact\'s role, such as "Privacy officer" (never a person\'s name)' }).min(1, 'must name the role'),
  email: z.email({ error: 'must be the role mailbox, such as "privacy@example.com"' }),
  /** A phone number for urgent notice; placeholders only in examples (+1 555 01xx). */
  phone: z
    .string({ error: 'must be a phone number in international format, such as "+1 555 0100"' })
    .regex(/^\+[0-9 ]{7,20}$/, 'must be a phone number in international format, such as "+1 555 0100"')
    .optional(),
});

/**
 * What the operator promises its clinics when a breach of their data is discovered, and who makes
 * the notification. The evidence pack states both on its first page; they are contract terms, not
 * something a template can show, so they live in config where a change is reviewed.
 */
export const BreachNotificationSchema = z.strictObject({
  /** Hours from discovery within which the operator notifies each affected clinic (covered entity / controller). */
  notifyClinicsWithinHours: z
    .number({ error: 'must be the number of hours within which the operator notifies an affected clinic, for example 24' })
    .int('must be a whole number of hours')
    .min(1, 'must be at least 1 hour')
    .max(HIPAA_MAX_NOTIFICATION_HOURS, `must be at most ${HIPAA_MAX_NOTIFICATION_HOURS} hours (60 days, the HIPAA limit of 45 CFR 164.410(b)); promise less, for example 24`),
  /** The operator's people (by role) who notify the clinics and receive the security alerts' escalations. */
  contacts: z
    .array(NotificationContactSchema, { error: 'must list the operator\'s breach-notification contacts: [{ role, email }]' })
    .min(1, 'must list at least one contact who notifies the clinics, for example { role: "Privacy officer", email: "privacy@example.com" }'),
});

export type BreachNotificationConfig = z.output<typeof BreachNotificationSchema>;

/** An EU clinic's controller has 72 hours: a longer promise to it is refused, naming the field and the fix. */
export function breachNotificationDeadline(value: unknown, ctx: z.RefinementCtx): void {
  const config = (value ?? {}) as { cells?: Array<{ id?: unknown; jurisdiction?: unknown }>; breachNotification?: { notifyClinicsWithinHours?: unknown } };
  const hours = config.breachNotification?.notifyClinicsWithinHours;
  const eu = (config.cells ?? []).filter((c) => c?.jurisdiction === 'EU').map((c) => String(c.id));
  if (typeof hours === 'number' && hours > GDPR_MAX_NOTIFICATION_HOURS && eu.length > 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['breachNotification', 'notifyClinicsWithinHours'],
      message: `${hours} hours is longer than the 72 hours an EU clinic has to notify its supervisory authority (GDPR Art. 33); cells ${eu.join(', ')} are in the EU: promise at most ${GDPR_MAX_NOTIFICATION_HOURS} hours, for example 24`,
    });
  }
}
