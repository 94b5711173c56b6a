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
