import { parseArgs } from "node:util";
import { systemClock } from "../../../devices/system-clock.js";
import { printable } from "../../store/person-name.js";
import { StoreError } from "../../store/user-store.js";
import { type AdminContext, type CliIo, openAdminContext } from "../cli-context.js";
import { UsageError } from "../cli-errors.js";
import { CredentialAdmin, ENROLL_PROMPT_TEXT, type WaitOptions } from "../credential-admin.js";

export const FINGERPRINT_USAGE = `doorward fingerprint enroll USER [--slot N]   (guides the person at the sensor; the controller must be running)
doorward fingerprint remove USER              (the templates are deleted from the sensor by the running controller)
doorward fingerprint check                    (compares the sensor's templates with the allowlist; exit 1 if they differ)`;

export function credentialAdmin(ctx: AdminContext): CredentialAdmin {
  return new CredentialAdmin(ctx.db, ctx.users, ctx.hasher, ctx.audit, systemClock, ctx.actor);
}

const realTime: Pick<WaitOptions, "sleep" | "now"> = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => Date.now(),
};

/**
 * Enrols through the running service: writes a request, then prints each prompt the service
 * records while it drives the sensor. Exported with injectable time for the end-to-end test.
 */
export async function enrollThroughService(
  admin: CredentialAdmin,
  user: string,
  slot: number | null,
  out: (line: string) => void,
  time: Pick<WaitOptions, "sleep" | "now"> = realTime,
): Promise<number> {
  const { user: u, id } = admin.requestEnrollment(user, slot);
  out(`enrolling a finger for ${printable(u.name)} (${u.userCode}); waiting for the controller...`);
  const done = await admin.waitFor(id, { ...time, onPrompt: (p) => out(ENROLL_PROMPT_TEXT[p] ?? p) });
  if (done.state === "failed") throw new StoreError(`enrolment failed: ${done.error}`);
  return done.result?.slot as number;
}

export async function fingerprintCheck(
  admin: CredentialAdmin,
  out: (line: string) => void,
  time: Pick<WaitOptions, "sleep" | "now"> = realTime,
): Promise<boolean> {
  const done = await admin.waitFor(admin.requestCheck(), { ...time, onPrompt: () => {} });
  if (done.state === "failed") throw new StoreError(`check failed: ${done.error}`);
  const sensorSlots = (done.result?.sensor_slots as number[]) ?? [];
  const c = admin.consistency(sensorSlots);
  out(`sensor holds ${sensorSlots.length} template(s) of ${done.result?.library_size} slots`);
  for (const slot of c.unknownOnSensor)
    out(
      `slot ${slot}: on the sensor but mapped to nobody (denied if matched; remove with the sensor's tools or re-enrol into it)`,
    );
  for (const m of c.missingOnSensor)
    out(`slot ${m.slot}: mapped to ${m.userCode} but empty on the sensor (re-enrol that person)`);
  for (const slot of c.awaitingDeletion)
    out(`slot ${slot}: removed, waiting for the controller to delete it`);
  const ok = c.unknownOnSensor.length === 0 && c.missingOnSensor.length === 0;
  out(ok ? "consistent" : "inconsistent");
  return ok;
}

/** No sensor of the R503/R307/AS608 family holds more templates than this. */
const FAMILY_MAX_SLOTS = 1000;

/** A slot the sensor cannot hold is a usage mistake, refused before a request is written. */
function checkSlotCapacity(slot: number, librarySize: number | null): void {
  const size = librarySize ?? FAMILY_MAX_SLOTS;
  if (slot < size) return;
  throw new UsageError(
    librarySize === null
      ? `--slot ${slot}: sensors of the R503 family hold at most ${FAMILY_MAX_SLOTS} templates (slots 0..${FAMILY_MAX_SLOTS - 1})`
      : `--slot ${slot}: the sensor holds ${librarySize} templates (slots 0..${librarySize - 1})`,
    FINGERPRINT_USAGE,
  );
}

export async function fingerprintCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { config: { type: "string" }, slot: { type: "string" } },
  });
  if (!sub || !["enroll", "remove", "check"].includes(sub))
    throw new UsageError(
      sub ? `unknown fingerprint command '${sub}'` : "missing fingerprint command",
      FINGERPRINT_USAGE,
    );
  const expected = sub === "check" ? 0 : 1;
  if (positionals.length !== expected)
    throw new UsageError(
      `fingerprint ${sub}: expected ${expected ? "exactly one USER" : "no arguments"}`,
      FINGERPRINT_USAGE,
    );
  let slot: number | null = null;
  if (values.slot !== undefined) {
    if (sub !== "enroll" || !/^\d{1,5}$/.test(values.slot))
      throw new UsageError("--slot: a slot number, only with enroll", FINGERPRINT_USAGE);
    slot = Number(values.slot);
  }
  const out = (line: string) => io.stdout.write(`${line}\n`);
  const ctx = openAdminContext(values.config, io.env);
  try {
    const admin = credentialAdmin(ctx);
    if (slot !== null) checkSlotCapacity(slot, admin.requests.librarySize());
    switch (sub) {
      case "enroll": {
        const stored = await enrollThroughService(admin, positionals[0] as string, slot, out);
        out(`enrolled into slot ${stored}`);
        return 0;
      }
      case "remove": {
        const { user, slots } = admin.removeFingerprints(positionals[0] as string);
        out(
          `removed ${slots.length} fingerprint(s) of ${printable(user.name)} (${user.userCode}); slots ${slots.join(", ")} queued for deletion on the sensor`,
        );
        return 0;
      }
      default:
        return (await fingerprintCheck(admin, out)) ? 0 : 1;
    }
  } finally {
    ctx.close();
  }
}
