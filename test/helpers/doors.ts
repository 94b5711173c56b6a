/** A listed door on its own block of lines: base, base+1, base+2 (relay, contact, REX). */
export function doorEntry(id: string, base: number, readers: Record<string, unknown>[] = []) {
  return {
    id,
    gpio: { relay: { line: base }, door_contact: { line: base + 1 }, rex: { line: base + 2 } },
    readers,
  };
}

/** A TCA8418 keypad reader at an I2C address. */
export const keypadReader = (id: string, address: number, direction: "in" | "out" = "in") => ({
  id,
  kind: "keypad",
  address,
  direction,
});

/** The simulated RS-485 port the OSDP tests put their readers on. */
export const OSDP_PORT = "/dev/doorward-rs485";

/** An OSDP reader at an address on OSDP_PORT; `extra`: direction, secure, baud, format. */
export const osdpReader = (id: string, address: number, extra: Record<string, unknown> = {}) => ({
  id,
  kind: "osdp",
  port: OSDP_PORT,
  address,
  ...extra,
});

/**
 * n doors on their own lines (relay, contact, REX from line 4 + 3i), each with one keypad at
 * its own I2C address (0x34 + i): door ids d0..d(n-1), keypad ids d<i>-keypad.
 */
export function doorsConfig(n: number) {
  return Array.from({ length: n }, (_, i) =>
    doorEntry(`d${i}`, 4 + 3 * i, [keypadReader(`d${i}-keypad`, 0x34 + i)]),
  );
}
