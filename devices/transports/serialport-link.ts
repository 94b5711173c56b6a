import type { SerialLink, SerialPortOpener } from "../types.js";

/** Just the parts of serialport 13's SerialPort we use (kept local so the module loads lazily). */
interface NativePort {
  open(cb: (err: Error | null) => void): void;
  write(data: Buffer, cb: (err: Error | null | undefined) => void): boolean;
  drain(cb: (err: Error | null) => void): void;
  close(cb: (err: Error | null) => void): void;
  on(event: "data", cb: (chunk: Buffer) => void): this;
  on(event: "close", cb: (err?: Error | null) => void): this;
  on(event: "error", cb: (err: Error) => void): this;
  readonly isOpen: boolean;
}

export interface SerialPortSummary {
  path: string;
  manufacturer?: string;
  serialNumber?: string;
  vendorId?: string;
  productId?: string;
}

async function loadSerialport() {
  // Lazy: the simulator and tests must run on machines without the native binding.
  return import("serialport");
}

/** A SerialLink over one open serialport port. */
class SerialportLink implements SerialLink {
  private writing = false;
  private closedByUs = false;
  private dataListeners = new Set<(chunk: Buffer) => void>();
  private closeListeners = new Set<(err?: Error) => void>();
  private closed = false;

  constructor(
    private readonly port: NativePort,
    private readonly path: string,
  ) {
    port.on("data", (chunk) => {
      for (const cb of [...this.dataListeners]) cb(chunk);
    });
    // serialport emits "close" with a DisconnectedError when the adapter vanishes.
    port.on("close", (err) =>
      this.finish(err ?? (this.closedByUs ? undefined : new Error(`${path} closed`))),
    );
    // Without an "error" listener a stray port error would crash the process.
    port.on("error", (err) => {
      if (!port.isOpen) this.finish(err);
    });
  }

  async write(bytes: Buffer): Promise<void> {
    if (this.closed) throw new Error(`${this.path}: write after close`);
    if (this.writing) throw new Error(`${this.path}: overlapping write`);
    this.writing = true;
    try {
      await new Promise<void>((resolve, reject) => {
        this.port.write(bytes, (err) => (err ? reject(err) : resolve()));
      });
      await new Promise<void>((resolve, reject) => this.port.drain((err) => (err ? reject(err) : resolve())));
    } finally {
      this.writing = false;
    }
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
    if (this.closed) return;
    this.closedByUs = true;
    if (!this.port.isOpen) return this.finish();
    await new Promise<void>((resolve) => this.port.close(() => resolve()));
    this.finish();
  }

  private finish(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    const listeners = [...this.closeListeners];
    this.closeListeners.clear();
    this.dataListeners.clear();
    for (const cb of listeners) cb(this.closedByUs ? undefined : err);
  }
}

/** Opens real serial ports (USB adapters, /dev/serial0, or a pty) with serialport 13. */
export class SerialportOpener implements SerialPortOpener {
  async open(path: string, baudRate: number): Promise<SerialLink> {
    const { SerialPort } = await loadSerialport();
    const port = new SerialPort({ path, baudRate, autoOpen: false }) as unknown as NativePort;
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    return new SerialportLink(port, path);
  }

  /**
   * Lists ports. SerialPort.list() rejects with `spawn udevadm ENOENT` where udev is missing
   * (containers, minimal images): that yields an empty list and the error, never a throw.
   */
  async listPorts(): Promise<{ ports: SerialPortSummary[]; error?: string }> {
    try {
      const { SerialPort } = await loadSerialport();
      const found = await SerialPort.list();
      return {
        ports: found.map((p) => ({
          path: p.path,
          manufacturer: p.manufacturer,
          serialNumber: p.serialNumber,
          vendorId: p.vendorId,
          productId: p.productId,
        })),
      };
    } catch (err) {
      return { ports: [], error: err instanceof Error ? err.message : String(err) };
    }
  }
}
