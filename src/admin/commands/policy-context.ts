import { systemClock } from "../../../devices/system-clock.js";
import { type AdminContext, openAdminContext } from "../cli-context.js";
import { UsageError } from "../cli-errors.js";
import { PolicyAdminService } from "../policy-admin-service.js";

/** The admin context plus the policy admin, on the same database the service uses. */
export function openPolicyContext(
  configFlag: string | undefined,
  env: NodeJS.ProcessEnv,
): AdminContext & { policy: PolicyAdminService } {
  const ctx = openAdminContext(configFlag, env);
  const policy = new PolicyAdminService(ctx.db, ctx.users, ctx.hasher, ctx.audit, systemClock, ctx.actor, {
    minLength: ctx.settings.pin.min_length,
    maxLength: ctx.settings.pin.max_length,
  });
  return { ...ctx, policy };
}

/** A calendar date YYYY-MM-DD that exists (2026-02-29 does not). */
export function parseDateArg(flag: string, value: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (m) {
    const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
    if (d.toISOString().slice(0, 10) === value) return value;
  }
  throw new UsageError(`${flag}: expected a calendar date YYYY-MM-DD, got '${value}'`);
}

export const SCHEDULE_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
