// One fleet-simulator process: many light doors (real hash chains, real signed heads) multiplexed
// over a few MQTT connections, publishing QoS 1 on <prefix>/<door>/event (and a head every 100).
// argv: url prefix firstDoor doors eventsPerDoor ratePerSecond(0 = as fast as acks allow) connections
// Prints {sent, ms, cpu_s} when every event is acknowledged by the broker.
import { generateKeyPairSync } from "node:crypto";
import mqtt from "mqtt";
import { LightDoor } from "../simulator/light-door.js";

const [url, prefix, first, count, perDoor, rate, conns] = process.argv.slice(2);
const doors = Array.from(
  { length: Number(count) },
  (_, i) => new LightDoor(`door-${Number(first) + i}`, generateKeyPairSync("ed25519").privateKey),
);
const clients = await Promise.all(
  Array.from({ length: Number(conns) }, () =>
    mqtt.connectAsync(url as string, { protocolVersion: 4, clean: true }),
  ),
);
const total = doors.length * Number(perDoor);
const perSecond = Number(rate);
const cpu0 = process.cpuUsage();
const started = Date.now();
let sent = 0;
// Unacknowledged publishes: a counter and one waiter (racing 2,000 promises per event cost more
// CPU than the publish itself).
let inFlight = 0;
let wake: (() => void) | null = null;
const acked = () => {
  inFlight--;
  if (wake && inFlight < 1000) {
    const w = wake;
    wake = null;
    w();
  }
};
for (let round = 0; round < Number(perDoor); round++) {
  for (let d = 0; d < doors.length; d++) {
    const door = doors[d] as LightDoor;
    const client = clients[d % clients.length] as mqtt.MqttClient;
    const e = door.append(Date.now());
    inFlight++;
    client.publish(`${prefix}/${door.door}/event`, door.payload(e), { qos: 1 }, acked);
    if (e.seq % 100 === 0) {
      inFlight++;
      client.publish(`${prefix}/${door.door}/head`, door.head(Date.now()), { qos: 1, retain: true }, acked);
    }
    // A light door keeps no history it does not need: the bench's doors only ever append.
    door.events.length = 0;
    door.events[e.seq - 1] = e;
    sent++;
    if (inFlight >= 2000) await new Promise<void>((r) => (wake = r));
    if (perSecond > 0) {
      const due = started + (sent / perSecond) * 1000;
      const wait = due - Date.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    }
  }
}
while (inFlight > 0) await new Promise<void>((r) => setTimeout(r, 5));
const cpu = process.cpuUsage(cpu0);
process.stdout.write(
  `${JSON.stringify({ sent: total, ms: Date.now() - started, cpu_s: (cpu.user + cpu.system) / 1e6 })}\n`,
);
await Promise.all(clients.map((c) => c.endAsync()));
