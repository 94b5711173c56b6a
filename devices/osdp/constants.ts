/**
 * OSDP v2 (IEC 60839-11-5 / SIA OSDP 2.2) numbers used by the codec, the Secure Channel and the
 * Control Panel. Names follow the specification (osdp_POLL -> Cmd.POLL, osdp_PDID -> Reply.PDID).
 */

/** Start of message. */
export const SOM = 0x53;
/** Optional mark byte sent before SOM (OSDP 2.2 recommends it; libosdp sends it by default). */
export const MARK = 0xff;
/** The PD sets bit 7 of the address byte in every reply. */
export const REPLY_FLAG = 0x80;
/** Address every PD answers to (configuration only; doorward never polls it). */
export const BROADCAST_ADDRESS = 0x7f;
export const MAX_PD_ADDRESS = 126;

/** Control byte bits. */
export const CTRL_SEQUENCE_MASK = 0x03;
export const CTRL_CRC = 0x04;
export const CTRL_SCB = 0x08;

/** SOM, address, length (2), control. */
export const HEADER_BYTES = 5;
export const MAC_BYTES = 4;

export const Cmd = {
  POLL: 0x60,
  ID: 0x61,
  CAP: 0x62,
  LSTAT: 0x64,
  ISTAT: 0x65,
  OSTAT: 0x66,
  RSTAT: 0x67,
  OUT: 0x68,
  LED: 0x69,
  BUZ: 0x6a,
  TEXT: 0x6b,
  COMSET: 0x6e,
  KEYSET: 0x75,
  CHLNG: 0x76,
  SCRYPT: 0x77,
} as const;

export const Reply = {
  ACK: 0x40,
  NAK: 0x41,
  PDID: 0x45,
  PDCAP: 0x46,
  LSTATR: 0x48,
  RAW: 0x50,
  FMT: 0x51,
  KEYPAD: 0x53,
  COM: 0x54,
  CCRYPT: 0x76,
  RMAC_I: 0x78,
  BUSY: 0x79,
  MFGREP: 0x90,
} as const;

/** osdp_NAK error codes. */
export const NakCode = {
  none: 0x00,
  badCheck: 0x01,
  badLength: 0x02,
  unknownCommand: 0x03,
  badSequence: 0x04,
  unsupportedSecurityBlock: 0x05,
  /** Encrypted communication required, or a Secure Channel condition failed (bad MAC). */
  secureChannelCondition: 0x06,
  bioTypeUnsupported: 0x07,
  bioFormatUnsupported: 0x08,
  unableToProcess: 0x09,
} as const;

/** Security block types (SCS_11 .. SCS_18). */
export const Scs = {
  CHLNG: 0x11,
  CCRYPT: 0x12,
  SCRYPT: 0x13,
  RMAC_I: 0x14,
  /** Command with MAC, data in clear (or no data). */
  CMD_MAC: 0x15,
  REPLY_MAC: 0x16,
  /** Command with MAC and encrypted data. */
  CMD_MAC_ENC: 0x17,
  REPLY_MAC_ENC: 0x18,
} as const;

/** SCB data byte of SCS_11..13: which key the handshake uses. */
export const KeySelector = { scbkD: 0x00, scbk: 0x01 } as const;

/** osdp_PDCAP function codes that the CP looks at. */
export const CapFunction = {
  contactStatus: 1,
  outputControl: 2,
  cardDataFormat: 3,
  readerLed: 4,
  readerAudible: 5,
  readerText: 6,
  checkCharacter: 8,
  communicationSecurity: 9,
  receiveBufferSize: 10,
} as const;

/** osdp_LED colours. */
export const LedColor = {
  black: 0,
  red: 1,
  green: 2,
  amber: 3,
  blue: 4,
  magenta: 5,
  cyan: 6,
  white: 7,
} as const;

export function isSecureMessageType(type: number): boolean {
  return type >= Scs.CMD_MAC && type <= Scs.REPLY_MAC_ENC;
}

export function hex2(n: number): string {
  return `0x${n.toString(16).padStart(2, "0")}`;
}
