import { Confirm, commandName } from "./packet-codec.js";

/** A fingerprint module answered a command with a failure confirmation code. */
export class FingerprintCommandError extends Error {
  override name = "FingerprintCommandError";
  constructor(
    readonly command: number,
    readonly code: number,
    message = `${commandName(command)} failed with confirmation code 0x${code.toString(16).padStart(2, "0")}`,
  ) {
    super(message);
  }
}

function codeError(name: string, what: string) {
  return class extends FingerprintCommandError {
    override name = name;
    constructor(command: number, code: number) {
      super(command, code, `${commandName(command)}: ${what} (0x${code.toString(16).padStart(2, "0")})`);
    }
  };
}

export const PacketReceiveError = codeError("PacketReceiveError", "module could not read the packet");
export type PacketReceiveError = InstanceType<typeof PacketReceiveError>;
export const ImagingFailedError = codeError("ImagingFailedError", "imaging failed");
export type ImagingFailedError = InstanceType<typeof ImagingFailedError>;
export const MessyImageError = codeError("MessyImageError", "image too messy");
export type MessyImageError = InstanceType<typeof MessyImageError>;
export const FewFeaturesError = codeError("FewFeaturesError", "too few features in the image");
export type FewFeaturesError = InstanceType<typeof FewFeaturesError>;
export const InvalidImageError = codeError("InvalidImageError", "no valid image in the buffer");
export type InvalidImageError = InstanceType<typeof InvalidImageError>;
export const TemplateMismatchError = codeError(
  "TemplateMismatchError",
  "the two captures are different fingers",
);
export type TemplateMismatchError = InstanceType<typeof TemplateMismatchError>;
export const BadLocationError = codeError("BadLocationError", "slot outside the library");
export type BadLocationError = InstanceType<typeof BadLocationError>;
export const ReadTemplateError = codeError("ReadTemplateError", "could not read the template");
export type ReadTemplateError = InstanceType<typeof ReadTemplateError>;
export const DeleteFailedError = codeError("DeleteFailedError", "delete failed");
export type DeleteFailedError = InstanceType<typeof DeleteFailedError>;
export const ClearFailedError = codeError("ClearFailedError", "clearing the library failed");
export type ClearFailedError = InstanceType<typeof ClearFailedError>;
export const WrongPasswordError = codeError("WrongPasswordError", "wrong module password");
export type WrongPasswordError = InstanceType<typeof WrongPasswordError>;
export const FlashError = codeError("FlashError", "flash write failed");
export type FlashError = InstanceType<typeof FlashError>;
export const InvalidRegisterError = codeError("InvalidRegisterError", "invalid register");
export type InvalidRegisterError = InstanceType<typeof InvalidRegisterError>;

const BY_CODE = new Map<number, new (command: number, code: number) => FingerprintCommandError>([
  [Confirm.packetError, PacketReceiveError],
  [Confirm.imagingFailed, ImagingFailedError],
  [Confirm.messyImage, MessyImageError],
  [Confirm.fewFeatures, FewFeaturesError],
  [Confirm.invalidImage, InvalidImageError],
  [Confirm.mismatch, TemplateMismatchError],
  [Confirm.badLocation, BadLocationError],
  [Confirm.readError, ReadTemplateError],
  [Confirm.deleteFailed, DeleteFailedError],
  [Confirm.clearFailed, ClearFailedError],
  [Confirm.wrongPassword, WrongPasswordError],
  [Confirm.flashError, FlashError],
  [Confirm.invalidRegister, InvalidRegisterError],
]);

/** The typed error for a confirmation code (a generic one for codes without a class). */
export function errorForCode(command: number, code: number): FingerprintCommandError {
  const Ctor = BY_CODE.get(code);
  return Ctor ? new Ctor(command, code) : new FingerprintCommandError(command, code);
}

/** No (valid) answer arrived within the command timeout. */
export class FingerprintTimeoutError extends Error {
  override name = "FingerprintTimeoutError";
  constructor(
    readonly command: number,
    readonly timeoutMs: number,
  ) {
    super(`no answer to ${commandName(command)} within ${timeoutMs} ms`);
  }
}

/** The link is closed, the driver is stopped or reconnecting. */
export class FingerprintUnavailableError extends Error {
  override name = "FingerprintUnavailableError";
}

/** Enrolment waited too long for the person to place or lift a finger. */
export class EnrollTimeoutError extends Error {
  override name = "EnrollTimeoutError";
}
