// One fleet-simulator process: many light doors (real hash chains, real signed heads) multiplexed
// over a few MQTT connections, publishing QoS 1 on <prefix>/<door>/event (and a head every 100).
// argv: url prefix firstDoor doors eventsPerDoor ratePerSecond(0 = as fast as acks allow) connections
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
const started = Date.now();
let sent = 0;
const inFlight = new Set<Promise<unknown>>();
for (let round = 0; round < Number(perDoor); round++) {
  for (let d = 0; d < doors.length; d++) {
    const door = doors[d] as LightDoor;
    const client = clients[d % clients.length] as mqtt.MqttClient;
    const e = door.append(Date.now());
    const p = client.publishAsync(`${prefix}/${door.door}/event`, door.payload(e), { qos: 1 });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    if (e.seq % 100 === 0)
      void client.publishAsync(`${prefix}/${door.door}/head`, door.head(Date.now()), {
        qos: 1,
        retain: true,
      });
    sent++;
    if (inFlight.size >= 2000) await Promise.race(inFlight);
    if (perSecond > 0) {
      const due = started + (sent / perSecond) * 1000;
      const wait = due - Date.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    }
  }
}
await Promise.all(inFlight);
process.stdout.write(`${JSON.stringify({ sent: total, ms: Date.now() - started })}\n`);
await Promise.all(clients.map((c) => c.endAsync()));
