import { createServer, connect as netConnect, type Server, type Socket } from "node:net";
import { Aedes } from "aedes";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";

export interface TestBroker {
  url: string;
  kind: "aedes" | "external";
  close(): Promise<void>;
}

/**
 * An in-process aedes broker on a free port, or the real broker named by MQTT_TEST_URL (CI
 * starts Mosquitto). Tests against a shared broker use unique topics, so retained messages
 * from one test never reach another.
 */
export async function startTestBroker(): Promise<TestBroker> {
  const external = process.env.MQTT_TEST_URL;
  if (external) return { url: external, kind: "external", close: async () => {} };
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const sockets = trackSockets(server);
  return {
    url: `mqtt://127.0.0.1:${port}`,
    kind: "aedes",
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
}

function trackSockets(server: Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  return sockets;
}

/**
 * A TCP relay in front of the broker that a test can cut (the network is gone: sockets die
 * without a DISCONNECT, so the broker fires the last will) and restore on the same port.
 */
export class CuttableLink {
  private server: Server | null = null;
  private sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: URL) {}

  static async open(brokerUrl: string): Promise<CuttableLink> {
    const link = new CuttableLink(new URL(brokerUrl));
    await link.listen();
    return link;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  async listen(): Promise<void> {
    const server = createServer((inbound) => {
      const outbound = netConnect(Number(this.target.port || 1883), this.target.hostname);
      for (const s of [inbound, outbound]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => {});
      }
      inbound.pipe(outbound).pipe(inbound);
      inbound.on("close", () => outbound.destroy());
      outbound.on("close", () => inbound.destroy());
    });
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", resolve));
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  async cut(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async restore(): Promise<void> {
    await this.listen();
  }
}

export interface Received {
  topic: string;
  text: string;
  retain: boolean;
}

/** A plain subscriber recording everything on `topics`. */
export async function subscriber(
  url: string,
  topics: string[],
  options: IClientOptions = {},
): Promise<{
  client: MqttClient;
  messages: Received[];
  waitFor(pred: (all: Received[]) => boolean, timeoutMs?: number): Promise<void>;
  end(): Promise<void>;
}> {
  const client = await mqtt.connectAsync(url, {
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: 200,
    ...options,
  });
  const messages: Received[] = [];
  client.on("message", (topic, payload, packet) =>
    messages.push({ topic, text: payload.toString(), retain: packet.retain }),
  );
  await client.subscribeAsync(topics, { qos: 1 });
  return {
    client,
    messages,
    waitFor: (pred, timeoutMs = 10_000) => waitUntil(() => pred(messages), timeoutMs),
    end: () => client.endAsync(true),
  };
}

/** Polls (real time, bounded) until the condition holds: network round trips cannot use a fake clock. */
export async function waitUntil(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function uniqueId(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
}
