import { z } from "zod";
import { canonicalBadgeNumber } from "../../badge/badge-number.js";
import { fingerprintEnabled } from "../../config/fingerprint-schema.js";
import { ENROLL_PROMPT_TEXT } from "../credential-admin.js";
import { withConflictAllowance } from "./conflict-allowance.js";
import { HttpError, type Router, validate } from "./router.js";
import { credentialAdminFor, type WebDeps } from "./web-deps.js";

/** One sensor request as the page polls it: prompts as codes and as the words to show. */
function requestJson(deps: WebDeps, id: number) {
  const r = credentialAdminFor(deps, "-").requests.get(id);
  if (!r) throw new HttpError(404, `no such sensor request: ${id}`, "id");
  const user = r.userId === null ? undefined : deps.users.list().find((u) => u.id === r.userId);
  return {
    id: r.id,
    kind: r.kind,
    state: r.state,
    user_code: user?.userCode ?? null,
    slot: r.slot,
    prompts: r.prompts,
    prompt_text: r.prompts.map((p) => ENROLL_PROMPT_TEXT[p] ?? p),
    error: r.error,
    result: r.result,
    consistency: r.kind === "check" && r.state === "done" ? consistencyJson(deps, r.result) : null,
  };
}

/**
 * A finished check compared with the allowlist as it is now (as `doorward fingerprint check`
 * does): templates no one maps to, people whose slot is empty, removals still queued.
 */
function consistencyJson(deps: WebDeps, result: Record<string, unknown> | null) {
  const sensorSlots = (result?.sensor_slots as number[] | undefined) ?? [];
  const c = credentialAdminFor(deps, "-").consistency(sensorSlots);
  return {
    consistent: c.unknownOnSensor.length === 0 && c.missingOnSensor.length === 0,
    sensor_templates: sensorSlots.length,
    library_size: (result?.library_size as number | undefined) ?? null,
    orphan_slots: c.unknownOnSensor,
    missing_templates: c.missingOnSensor.map((m) => ({ slot: m.slot, user_code: m.userCode })),
    awaiting_deletion: c.awaitingDeletion,
  };
}

/**
 * Badges and fingerprints of one person. Badge numbers go through CredentialAdmin (stored as a
 * keyed hash, never logged); a fingerprint enrolment is a row in sensor_requests that the
 * running service executes, exactly as `doorward fingerprint enroll` does. The page polls
 * GET /api/sensor-requests/{id} for the sensor's prompts until the request is done or failed.
 */
export function addCredentialRoutes(router: Router, deps: WebDeps, storeCall: StoreCall): void {
  const badgeBody = z
    .object({
      number: z
        .string()
        .refine(
          (n) => canonicalBadgeNumber(n) !== null,
          "a badge number is 1 to 12 decimal digits, FACILITY:CARD (123:45678) or raw:BITS:HEX",
        ),
    })
    .strict();
  const enrolBody = z
    .object({ slot: z.number().int("a slot is a whole number").min(0).max(9999).nullable().optional() })
    .strict();

  router.add("POST", "/api/users/:user/badge", ({ params, body, session }) => {
    const { number } = validate(badgeBody, body);
    const credentials = credentialAdminFor(deps, session?.admin ?? "?");
    const target = storeCall("user", () => deps.users.require(params.user as string));
    const lookup = deps.hasher.hash("badge", canonicalBadgeNumber(number) as string);
    // Badge numbers come from the card, so there is no random option; conflicts count like PINs.
    return withConflictAllowance(deps, session, "badge", () => {
      const holder = deps.users.findByCredential("badge", lookup);
      if (holder && holder.id !== target.id)
        throw new HttpError(409, "this badge belongs to someone else", "number");
      storeCall("number", () => credentials.addBadge(target.userCode, number));
      return { json: { user_code: target.userCode, credentials: deps.users.credentialKinds(target.id) } };
    });
  });

  router.add("DELETE", "/api/users/:user/badge", ({ params, session }) => {
    const target = storeCall("user", () => deps.users.require(params.user as string));
    storeCall("badge", () => credentialAdminFor(deps, session?.admin ?? "?").removeBadge(target.userCode));
    return { json: { user_code: target.userCode, credentials: deps.users.credentialKinds(target.id) } };
  });

  router.add("DELETE", "/api/users/:user/fingerprint", ({ params, session }) => {
    const target = storeCall("user", () => deps.users.require(params.user as string));
    const { slots } = storeCall("fingerprint", () =>
      credentialAdminFor(deps, session?.admin ?? "?").removeFingerprints(target.userCode),
    );
    return { json: { user_code: target.userCode, removed_slots: slots } };
  });

  router.add("POST", "/api/users/:user/fingerprint", ({ params, body, session }) => {
    const { slot } = validate(enrolBody, body);
    const target = storeCall("user", () => deps.users.require(params.user as string));
    if (!fingerprintEnabled(deps.settings))
      throw new HttpError(409, "the fingerprint sensor is not enabled in the configuration");
    const { id } = credentialAdminFor(deps, session?.admin ?? "?").requestEnrollment(
      target.userCode,
      slot ?? null,
    );
    return { status: 202, json: requestJson(deps, id) };
  });

  // The same request `doorward fingerprint check` writes; the page polls it like an enrolment
  // and reads `consistency` once it is done.
  router.add("POST", "/api/fingerprint/check", ({ body, session }) => {
    validate(z.object({}).strict(), body);
    if (!fingerprintEnabled(deps.settings))
      throw new HttpError(409, "the fingerprint sensor is not enabled in the configuration");
    const id = credentialAdminFor(deps, session?.admin ?? "?").requestCheck();
    return { status: 202, json: requestJson(deps, id) };
  });

  router.add("GET", "/api/sensor-requests/:id", ({ params }) => {
    const id = Number(params.id);
    if (!Number.isSafeInteger(id) || id < 1) throw new HttpError(400, "a request id is a number", "id");
    return { json: requestJson(deps, id) };
  });
}

export type StoreCall = <T>(field: string, fn: () => T) => T;
