import type { SerialLink } from "../devices/types.js";
import type { SimSerialDevice } from "./sim-serial.js";
import type { ByteSink } from "./virtual-rdm6300.js";

/**
 * Adapts a transmit-only virtual module (one that writes synchronously to a ByteSink, like
 * VirtualRdm6300) to the device end of a simulated serial port. SerialLink forbids overlapping
 * writes, so chunks are chained; bytes written while no port is open are lost, as on a real wire.
 */
export class SerialTxDevice implements SimSerialDevice, ByteSink {
  private link: SerialLink | null = null;
  private chain: Promise<void> = Promise.resolve();

  attach(link: SerialLink): void {
    this.link = link;
    link.onClose(() => {
      if (this.link === link) this.link = null;
    });
  }

  write(bytes: Buffer): void {
    const link = this.link;
    if (!link) return;
    const copy = Buffer.from(bytes);
    this.chain = this.chain.then(() => link.write(copy)).catch(() => undefined);
  }
}
