import { bitsFromBytes, type CardFormat, decodeCard } from "../badge/card-formats.js";
import type { DeviceEvents, KeypadKey } from "../types.js";
import type { OsdpReaderEvents } from "./reader-events.js";

/** Where an OSDP reader's events go: the same device events every other reader produces. */
export interface DeviceEventSink {
  badgeRead(e: DeviceEvents["badgeRead"]): void;
  badgeBadRead(e: DeviceEvents["badgeBadRead"]): void;
  keyPressed(e: DeviceEvents["keyPressed"]): void;
  deviceFault(e: DeviceEvents["deviceFault"]): void;
  deviceRecovered(e: DeviceEvents["deviceRecovered"]): void;
}

/**
 * Adapts an OSDP reader to the device events src/ consumes, so its cards and keys enter the same
 * decision path as a Wiegand reader's or the keypad's: a card read is decoded in the reader's
 * configured format (a failed parity or length check is a `badgeBadRead` with `bad_read`, never a
 * badge); `number` is the normalised "facility:card" form. Tamper, power and identity stay
 * OSDP-specific and are passed through `extra`.
 */
export function osdpToDeviceEvents(
  format: CardFormat,
  sink: DeviceEventSink,
  extra: Pick<OsdpReaderEvents, "tamper" | "power" | "identity" | "online"> = {},
): OsdpReaderEvents {
  return {
    cardRead: ({ bits, bitCount, atMs }) => {
      const decoded = decodeCard(format, bitsFromBytes(bits, bitCount));
      if (decoded.ok) sink.badgeRead({ number: decoded.normalized, format, atMs });
      else
        sink.badgeBadRead({
          format,
          detail: `${decoded.detail}: ${decoded.reason} (${bitCount} bits)`,
          atMs,
        });
    },
    keypad: ({ keys, atMs }) => {
      for (const key of keys) sink.keyPressed({ key: key as KeypadKey, atMs });
    },
    deviceFault: (e) => sink.deviceFault(e),
    deviceRecovered: (e) => sink.deviceRecovered(e),
    ...extra,
  };
}
