import type { SerialLink } from "../../../devices/types.js";

/**
 * Test-only controller end of a serial port: bytes fed in arrive through onData, in order.
 * Enforces the parts of the SerialLink contract a reader could trip over (writes after close
 * reject, overlapping writes reject). Not a simulator: the shared in-memory link lives elsewhere.
 */
export class FeedableSerialLink implements SerialLink {
  readonly written: Buffer[] = [];
  private dataListeners = new Set<(chunk: Buffer) => void>();
  private closeListeners = new Set<(err?: Error) => void>();
  private closed = false;
  private writing = false;

  /** Delivers bytes as if they had arrived on RX. Ignored once closed. */
  feed(bytes: Buffer | number[]): void {
    if (this.closed) return;
    const chunk = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
    for (const listener of this.dataListeners) listener(chunk);
  }

  /** The adapter vanished. */
  unplug(err = new Error("device disconnected")): void {
    this.finish(err);
  }

  listenerCount(): number {
    return this.dataListeners.size + this.closeListeners.size;
  }

  async write(bytes: Buffer): Promise<void> {
    if (this.closed) throw new Error("port is closed");
    if (this.writing) throw new Error("overlapping write");
    this.writing = true;
    this.written.push(Buffer.from(bytes));
    await Promise.resolve();
    this.writing = false;
  }

  onData(cb: (chunk: Buffer) => void): () => void {
    this.dataListeners.add(cb);
    return () => this.dataListeners.delete(cb);
  }

  onClose(cb: (err?: Error) => void): () => void {
    this.closeListeners.add(cb);
    return () => this.closeListeners.delete(cb);
  }

  async close(): Promise<void> {
    this.finish(undefined);
  }

  private finish(err: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    for (const listener of this.closeListeners) listener(err);
  }
}
