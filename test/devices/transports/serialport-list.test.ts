import { describe, expect, it, vi } from "vitest";

vi.mock("serialport", () => ({
  SerialPort: {
    list: () => Promise.reject(new Error("spawn udevadm ENOENT")),
  },
}));

describe("SerialportOpener.listPorts", () => {
  it("turns a SerialPort.list() rejection into an empty list plus the message", async () => {
    const { SerialportOpener } = await import("../../../devices/transports/serialport-link.js");
    await expect(new SerialportOpener().listPorts()).resolves.toEqual({
      ports: [],
      error: "spawn udevadm ENOENT",
    });
  });
});
