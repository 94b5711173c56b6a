/**
 * Multi-part replies (OSDP 2.2, e.g. osdp_PIVDATAR and large manufacturer replies): each fragment's
 * payload starts with the whole message size, this fragment's offset and its length (2 bytes LE
 * each), then the fragment. The assembler accepts fragments strictly in order and drops the whole
 * message on any inconsistency, so a torn or spliced message is never delivered.
 */
export interface Fragment {
  total: number;
  offset: number;
  data: Buffer;
}

export const FRAGMENT_HEADER_BYTES = 6;

export function encodeFragment(f: Fragment): Buffer {
  const head = Buffer.alloc(FRAGMENT_HEADER_BYTES);
  head.writeUInt16LE(f.total, 0);
  head.writeUInt16LE(f.offset, 2);
  head.writeUInt16LE(f.data.length, 4);
  return Buffer.concat([head, f.data]);
}

/** Splits a message into fragments of at most `size` data bytes. */
export function splitMessage(message: Buffer, size: number): Buffer[] {
  if (message.length > 0xffff) throw new RangeError("a multi-part message is at most 65535 bytes");
  const out: Buffer[] = [];
  for (let offset = 0; offset < message.length; offset += size)
    out.push(
      encodeFragment({ total: message.length, offset, data: message.subarray(offset, offset + size) }),
    );
  return out;
}

export type FragmentResult =
  | { state: "partial"; received: number; total: number }
  | { state: "complete"; message: Buffer }
  | { state: "rejected"; why: string };

export class MultiPartAssembler {
  private parts: Buffer[] = [];
  private total = -1;
  private received = 0;

  constructor(private readonly maxTotal = 4096) {}

  reset(): void {
    this.parts = [];
    this.total = -1;
    this.received = 0;
  }

  push(payload: Buffer): FragmentResult {
    const reject = (why: string): FragmentResult => {
      this.reset();
      return { state: "rejected", why };
    };
    if (payload.length < FRAGMENT_HEADER_BYTES) return reject("fragment header truncated");
    const total = payload.readUInt16LE(0);
    const offset = payload.readUInt16LE(2);
    const length = payload.readUInt16LE(4);
    if (length !== payload.length - FRAGMENT_HEADER_BYTES) return reject("fragment length mismatch");
    if (total === 0 || total > this.maxTotal) return reject(`message size ${total} out of range`);
    if (offset === 0 && this.received > 0) this.reset(); // a new message restarts cleanly
    if (this.total === -1) this.total = total;
    if (total !== this.total) return reject("message size changed between fragments");
    if (offset !== this.received) return reject(`fragment at ${offset}, expected ${this.received}`);
    if (length === 0 || offset + length > total) return reject("fragment overruns the message");
    this.parts.push(Buffer.from(payload.subarray(FRAGMENT_HEADER_BYTES)));
    this.received += length;
    if (this.received < total) return { state: "partial", received: this.received, total };
    const message = Buffer.concat(this.parts);
    this.reset();
    return { state: "complete", message };
  }
}
