import { z } from "zod";
import { normalisePersonName } from "../../store/person-name.js";
import { StoreError } from "../../store/user-store.js";
import { withConflictAllowance } from "./conflict-allowance.js";
import { addCredentialRoutes } from "./credential-routes.js";
import { addPolicyRoutes, personJson } from "./policy-routes.js";
import { HttpError, type Router, validate } from "./router.js";
import { adminServiceFor, policyAdminFor, type WebDeps } from "./web-deps.js";

/** The same rule as the CLI and the store (NFC, trimmed, 1-100, no control/format/unassigned characters). */
const personName = z.string("enter a name").transform((raw, ctx) => {
  try {
    return normalisePersonName(raw);
  } catch (err) {
    ctx.addIssue({ code: "custom", message: (err as Error).message });
    return z.NEVER;
  }
});

const isoTime = z.iso.datetime({ offset: true }).or(z.iso.date());
const toMs = (value: string | null | undefined) => (value ? Date.parse(value) : null);

/** A store refusal as an HTTP answer: unknown → 404, taken → 409, otherwise 400; always naming the field. */
export function storeCall<T>(field: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof StoreError)) throw err;
    const status = err.message.startsWith("no such")
      ? 404
      : /already exists|not available/.test(err.message)
        ? 409
        : 400;
    throw new HttpError(status, err.message, field);
  }
}

/**
 * People: list, add (optionally with a PIN), disable, enable, remove, set PIN through
 * AdminService; policy fields, schedules and holidays (policy-routes.ts); badges and
 * fingerprint enrolment (credential-routes.ts).
 */
export function addPeopleRoutes(router: Router, deps: WebDeps): void {
  const { settings, users, hasher } = deps;
  const pinSchema = z
    .string()
    .regex(/^[0-9]+$/, "a PIN is digits only")
    .min(settings.pin.min_length, `a PIN has at least ${settings.pin.min_length} digits`)
    .max(settings.pin.max_length, `a PIN has at most ${settings.pin.max_length} digits`);
  const newUser = z
    .object({
      name: personName,
      pin: pinSchema.optional(),
      valid_from: isoTime.nullable().optional(),
      valid_until: isoTime.nullable().optional(),
    })
    .strict()
    .refine((u) => !u.valid_from || !u.valid_until || Date.parse(u.valid_from) < Date.parse(u.valid_until), {
      message: "must be after valid_from",
      path: ["valid_until"],
    });

  // A PIN typed by the admin, or `random: true` for one the controller draws and shows once.
  const pinBody = z
    .object({ pin: pinSchema.optional(), random: z.literal(true).optional() })
    .strict()
    .refine((b) => (b.pin === undefined) !== (b.random === undefined), {
      message: "send either a PIN or random: true",
      path: ["pin"],
    });

  /** A PIN someone else holds is refused before anything changes, without saying whose it is. */
  const assertPinFree = (pin: string, ownerId: number | null) => {
    const holder = users.findByCredential("pin", hasher.hash("pin", pin));
    if (holder && holder.id !== ownerId)
      throw new HttpError(409, "this PIN is not available; choose another", "pin");
  };

  router.add("GET", "/api/users", () => ({
    json: { users: users.list().map((u) => personJson(deps, u)) },
  }));

  router.add("POST", "/api/users", ({ body, session }) => {
    const input = validate(newUser, body);
    if (users.find(input.name)) throw new HttpError(409, `'${input.name}' already exists`, "name");
    return withConflictAllowance(deps, session, "pin", () => {
      if (input.pin) assertPinFree(input.pin, null);
      const admin = adminServiceFor(deps, session?.admin ?? "?");
      // One transaction: a person is never left half-made (added without the PIN asked for).
      const user = deps.audit.atomically(() => {
        const added = storeCall("name", () =>
          admin.addUser(input.name, {
            validFromMs: toMs(input.valid_from),
            validUntilMs: toMs(input.valid_until),
          }),
        );
        if (input.pin) storeCall("pin", () => admin.setPin(added.userCode, input.pin as string));
        return added;
      });
      return { status: 201, json: admin.show(user.userCode) };
    });
  });

  router.add("GET", "/api/users/:user", ({ params }) => ({
    json: personJson(
      deps,
      storeCall("user", () => users.require(params.user as string)),
    ),
  }));

  for (const action of ["disable", "enable"] as const) {
    router.add("POST", `/api/users/:user/${action}`, ({ params, session }) => {
      const admin = adminServiceFor(deps, session?.admin ?? "?");
      const user = storeCall("user", () => admin.setEnabled(params.user as string, action === "enable"));
      return { json: admin.show(user.userCode) };
    });
  }

  router.add("DELETE", "/api/users/:user", ({ params, session }) => {
    const user = storeCall("user", () =>
      adminServiceFor(deps, session?.admin ?? "?").remove(params.user as string),
    );
    return { json: { removed: user.userCode } };
  });

  router.add("PUT", "/api/users/:user/pin", ({ params, body, session }) => {
    const { pin } = validate(pinBody, body);
    const target = storeCall("user", () => users.require(params.user as string));
    const admin = adminServiceFor(deps, session?.admin ?? "?");
    if (pin === undefined) {
      const drawn = storeCall("pin", () => admin.setRandomPin(target.userCode));
      return { json: { ...admin.show(target.userCode), pin: drawn.pin } };
    }
    return withConflictAllowance(deps, session, "pin", () => {
      assertPinFree(pin, target.id);
      storeCall("pin", () => admin.setPin(target.userCode, pin));
      return { json: admin.show(target.userCode) };
    });
  });

  // A second PIN that opens like the normal one and raises a silent alarm. The answer is the
  // person's summary (credential kinds only): a typed PIN is never echoed or logged; a random
  // one is in this answer only, to be shown once.
  router.add("PUT", "/api/users/:user/duress-pin", ({ params, body, session }) => {
    const { pin } = validate(pinBody, body);
    const target = storeCall("user", () => users.require(params.user as string));
    const policy = policyAdminFor(deps, session?.admin ?? "?");
    const summary = () => adminServiceFor(deps, session?.admin ?? "?").show(target.userCode);
    if (pin === undefined) {
      const drawn = storeCall("pin", () => policy.setRandomDuressPin(target.userCode));
      return { json: { ...summary(), pin: drawn.pin } };
    }
    return withConflictAllowance(deps, session, "duress_pin", () => {
      storeCall("pin", () => policy.setDuressPin(target.userCode, pin));
      return { json: summary() };
    });
  });

  addPolicyRoutes(router, deps, storeCall);
  addCredentialRoutes(router, deps, storeCall);
}
