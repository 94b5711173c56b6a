/**
 * TCA8418 register map and bits (TI datasheet SCPS215; summarised in HARDWARE.md).
 * Shared by the driver and the virtual chip; golden tests pin the literal values so a
 * mistake here cannot hide behind a symmetric round-trip.
 */

/** Default 7-bit address (fixed on this part). */
export const TCA8418_ADDRESS = 0x34;

export const REG_CFG = 0x01;
export const REG_INT_STAT = 0x02;
export const REG_KEY_LCK_EC = 0x03;
/** Reading it pops the oldest event; KEY_EVENT_B..J (0x05-0x0D) show the rest of the FIFO. */
export const REG_KEY_EVENT_A = 0x04;
export const REG_KEY_EVENT_J = 0x0d;
/** KP_GPIO1: ROW7..ROW0 (1 = part of the key matrix). */
export const REG_KP_GPIO1 = 0x1d;
/** KP_GPIO2: COL7..COL0. */
export const REG_KP_GPIO2 = 0x1e;
/** KP_GPIO3: bits 1..0 = COL9..COL8. */
export const REG_KP_GPIO3 = 0x1f;
/** Highest register the chip implements (DEBOUNCE_DIS3). */
export const REG_LAST = 0x2e;

// CFG bits
export const CFG_KE_IEN = 1 << 0;
export const CFG_GPI_IEN = 1 << 1;
export const CFG_K_LCK_IEN = 1 << 2;
export const CFG_OVR_FLOW_IEN = 1 << 3;
/** 1: clearing INT_STAT with events still pending deasserts INT briefly, then re-asserts (a fresh edge). */
export const CFG_INT_CFG = 1 << 4;
/** 1: on overflow the newest event pushes the oldest out; 0: new events are lost. */
export const CFG_OVR_FLOW_M = 1 << 5;
export const CFG_GPI_E_CFG = 1 << 6;
/** Auto-increment the register pointer on multi-byte access. */
export const CFG_AI = 1 << 7;

// INT_STAT bits (write 1 to clear)
export const INT_K_INT = 1 << 0;
export const INT_GPI_INT = 1 << 1;
export const INT_K_LCK_INT = 1 << 2;
export const INT_OVR_FLOW_INT = 1 << 3;
export const INT_CAD_INT = 1 << 4;

/** KEY_LCK_EC bits 3..0: number of events queued (0-10). */
export const KEY_EVENT_COUNT_MASK = 0x0f;
export const FIFO_DEPTH = 10;

/** KEY_EVENT bit 7: 1 = press, 0 = release. Bits 6..0: key code. */
export const EVENT_PRESS = 0x80;
export const EVENT_CODE_MASK = 0x7f;

/** Matrix key codes are row * 10 + column + 1 (1..80); 97.. are GPI events, not keys. */
export function matrixKeyCode(row: number, col: number): number {
  return row * 10 + col + 1;
}

/** The inverse of matrixKeyCode, or null for a code outside the 8x10 matrix. */
export function decodeMatrixKeyCode(code: number): { row: number; col: number } | null {
  if (code < 1 || code > 80) return null;
  return { row: Math.floor((code - 1) / 10), col: (code - 1) % 10 };
}

/** KP_GPIO1..3 values that make rows 0..rows-1 and columns 0..cols-1 the key matrix. */
export function matrixSelection(rows: number, cols: number): [number, number, number] {
  if (rows < 1 || rows > 8 || cols < 1 || cols > 10)
    throw new RangeError(`matrix ${rows}x${cols} exceeds 8x10`);
  const colMask = (1 << cols) - 1;
  return [(1 << rows) - 1, colMask & 0xff, colMask >> 8];
}
