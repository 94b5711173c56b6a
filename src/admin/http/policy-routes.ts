import { z } from "zod";
import { formatWindow, parseWindowSpec } from "../../access/schedule.js";
import type { User } from "../../store/user-store.js";
import type { StoreCall } from "./credential-routes.js";
import { HttpError, type Router, validate } from "./router.js";
import { adminServiceFor, policyAdminFor, type WebDeps } from "./web-deps.js";

const isoTime = z.iso.datetime({ offset: true }).or(z.iso.date());
const toMs = (value: string | null) => (value ? Date.parse(value) : null);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A person as the page shows them: the allowlist summary plus the policy fields. */
export function personJson(deps: WebDeps, user: User) {
  const schedules = deps.policy.store.listSchedules();
  return {
    ...adminServiceFor(deps, "-").show(user.userCode),
    role: user.role,
    agreement_until: iso(user.agreementUntilMs),
    schedules: user.scheduleIds.map((id) => schedules.find((s) => s.id === id)?.name ?? String(id)),
  };
}

const scheduleName = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,40}$/, "a schedule name is 1 to 40 letters, digits, - or _");

/**
 * Per-person policy (validity, agreement date, role, schedules), schedules and holidays, all
 * through PolicyAdminService: each change is an audit event naming the web admin.
 */
export function addPolicyRoutes(router: Router, deps: WebDeps, storeCall: StoreCall): void {
  const policyBody = z
    .object({
      valid_from: isoTime.nullable().optional(),
      valid_until: isoTime.nullable().optional(),
      agreement_until: isoTime.nullable().optional(),
      role: z.enum(["user", "override", "admin"], "role is user, override or admin").optional(),
      schedules: z.array(scheduleName).max(20).optional(),
    })
    .strict();

  router.add("PUT", "/api/users/:user/policy", ({ params, body, session }) => {
    const input = validate(policyBody, body);
    const target = storeCall("user", () => deps.users.require(params.user as string));
    const from = input.valid_from === undefined ? target.validFromMs : toMs(input.valid_from);
    const until = input.valid_until === undefined ? target.validUntilMs : toMs(input.valid_until);
    if (from !== null && until !== null && until <= from)
      throw new HttpError(400, "must be after valid_from", "valid_until");
    for (const [i, name] of (input.schedules ?? []).entries())
      if (!deps.policy.store.findSchedule(name))
        throw new HttpError(400, `no such schedule: '${name}'`, `schedules.${i}`);
    if (Object.keys(input).length === 0) throw new HttpError(400, "nothing to change", null);
    const user = storeCall("user", () =>
      policyAdminFor(deps, session?.admin ?? "?").setUserPolicy(target.userCode, {
        schedules: input.schedules,
        validFromMs: input.valid_from === undefined ? undefined : toMs(input.valid_from),
        validUntilMs: input.valid_until === undefined ? undefined : toMs(input.valid_until),
        agreementUntilMs: input.agreement_until === undefined ? undefined : toMs(input.agreement_until),
        role: input.role,
      }),
    );
    return { json: personJson(deps, user) };
  });

  router.add("GET", "/api/schedules", () => ({
    json: {
      schedules: deps.policy.store.listSchedules().map((s) => ({
        name: s.name,
        windows: s.windows.map(formatWindow),
        users: deps.users.list().filter((u) => u.scheduleIds.includes(s.id)).length,
      })),
    },
  }));

  const scheduleBody = z
    .object({
      name: scheduleName,
      windows: z.array(z.string().max(60)).min(1, "add at least one window").max(20),
    })
    .strict();

  const parseWindows = (specs: string[]) =>
    specs.flatMap((spec, i) => {
      const parsed = parseWindowSpec(spec);
      if (typeof parsed === "string") throw new HttpError(400, parsed, `windows.${i}`);
      return parsed;
    });

  router.add("POST", "/api/schedules", ({ body, session }) => {
    const input = validate(scheduleBody, body);
    const windows = parseWindows(input.windows);
    policyAdminFor(deps, session?.admin ?? "?").addSchedule(input.name, windows);
    const s = deps.policy.store.requireSchedule(input.name);
    return { status: 201, json: { name: s.name, windows: s.windows.map(formatWindow) } };
  });

  // Replaces the windows in place (same schedule, so everyone assigned keeps it); the next
  // attempt sees them, because the window rows' triggers move the policy revision.
  const windowsBody = scheduleBody.pick({ windows: true });
  router.add("PUT", "/api/schedules/:name", ({ params, body, session }) => {
    const name = params.name as string;
    const windows = parseWindows(validate(windowsBody, body).windows);
    storeCall("name", () => policyAdminFor(deps, session?.admin ?? "?").setScheduleWindows(name, windows));
    const s = deps.policy.store.requireSchedule(name);
    const users = deps.users.list().filter((u) => u.scheduleIds.includes(s.id)).length;
    return { json: { name: s.name, windows: s.windows.map(formatWindow), users } };
  });

  router.add("DELETE", "/api/schedules/:name", ({ params, session }) => {
    const name = params.name as string;
    storeCall("name", () => policyAdminFor(deps, session?.admin ?? "?").removeSchedule(name));
    return { json: { removed: name } };
  });

  router.add("GET", "/api/holidays", () => ({ json: { holidays: deps.policy.store.listHolidays() } }));

  const holidayBody = z
    .object({
      date: z.iso.date("a date as YYYY-MM-DD"),
      name: z.string().trim().min(1, "enter a name").max(60, "at most 60 characters"),
    })
    .strict();

  router.add("POST", "/api/holidays", ({ body, session }) => {
    const { date, name } = validate(holidayBody, body);
    policyAdminFor(deps, session?.admin ?? "?").addHoliday(date, name);
    return { status: 201, json: { date, name } };
  });

  router.add("DELETE", "/api/holidays/:date", ({ params, session }) => {
    const date = params.date as string;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new HttpError(400, "a date as YYYY-MM-DD", "date");
    storeCall("date", () => policyAdminFor(deps, session?.admin ?? "?").removeHoliday(date));
    return { json: { removed: date } };
  });
}
