import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { captureLogger } from "../helpers/capture-logger.js";
import { type Harness, startHarness, tempDir } from "../helpers/harness.js";
import { hasMosquitto, startMosquittoFromExample } from "../helpers/mosquitto-tls.js";
import { subscriber, uniqueId, waitUntil } from "../helpers/mqtt-broker.js";
import { issueClientCert, makeTestPki, type TestPki } from "../helpers/test-certs.js";
import { startTlsBroker, type TlsTestBroker } from "../helpers/tls-broker.js";

/**
 * mqtts:// with a CA and client certificates, against aedes behind node:tls configured like
 * hardware/mosquitto/mosquitto.conf (client certificate required, signed by the site CA).
 */
describe("TLS to the broker", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  });

  async function broker(pki: TestPki, port = 0): Promise<TlsTestBroker> {
    const b = await startTlsBroker({
      cert: pki.pem.serverCert,
      key: pki.pem.serverKey,
      ca: pki.pem.ca,
      port,
    });
    cleanups.push(() => b.close());
    return b;
  }

  async function controller(door: string, url: string, tls: Record<string, string | null>) {
    const log = captureLogger();
    const h = await startHarness(
      { door_id: door, mqtt: { enabled: true, url, tls } },
      { logger: log.logger },
    );
    cleanups.push(() => h.app.stop());
    return { h, lines: log.lines };
  }

  const tlsOf = (pki: TestPki) => ({
    ca_file: pki.caFile,
    cert_file: pki.clientCertFile,
    key_file: pki.clientKeyFile,
  });

  /** Three audit rows from the keypad: a grant, a denial, and the door working regardless. */
  async function useTheDoor(h: Harness): Promise<void> {
    h.addUserWithPin("Ann", "2468");
    await h.type("2468#");
    await waitUntil(() => h.sim.door.boltReleased);
    await h.type("1111#");
  }

  it("connects with the CA and client certificate from mqtt.tls and publishes events", async () => {
    const door = uniqueId("door");
    const pki = await makeTestPki(tempDir(), door);
    const b = await broker(pki);
    const { h } = await controller(door, b.url, tlsOf(pki));
    await waitUntil(() => h.app.services.mqtt?.isConnected() === true);
    // The broker saw the door's certificate: its identity is the certificate, not a password.
    expect(b.clientNames).toContain(door);

    const sub = await subscriber(b.url, [`doorward/${door}/event`], {
      ca: readFileSync(pki.caFile),
      cert: pki.pem.clientCert,
      key: pki.pem.clientKey,
    });
    cleanups.push(sub.end);
    await useTheDoor(h);
    const last = h.app.services.audit.tail(1)[0]?.seq ?? 0;
    await h.app.services.mqtt?.waitForPublished(last);
    await sub.waitFor((m) => m.some((x) => JSON.parse(x.text).reason === "unknown_credential"));
    const reasons = sub.messages.map((m) => JSON.parse(m.text).reason);
    expect(reasons).toEqual(expect.arrayContaining(["granted", "unknown_credential"]));
    expect(sub.messages.map((m) => m.text).join()).not.toContain("2468");
  });

  it("refuses a broker whose certificate the configured CA did not sign: nothing leaves, the outbox keeps it", async () => {
    const door = uniqueId("door");
    const site = await makeTestPki(tempDir(), door);
    const impostor = await makeTestPki(tempDir(), door); // same names, another CA
    const fake = await broker(impostor);
    const { h, lines } = await controller(door, fake.url, tlsOf(site));

    await waitUntil(() => lines.some((l) => l.reason === "tls_untrusted_broker"));
    // The door works alone meanwhile, and every event waits in the outbox.
    await useTheDoor(h);
    expect(h.reasons()).toEqual(expect.arrayContaining(["granted", "unknown_credential"]));
    const bridge = h.app.services.mqtt;
    expect(bridge?.isConnected()).toBe(false);
    expect(bridge?.publishedSeq()).toBe(0);
    // The impostor never completed a handshake, so it received nothing at all.
    expect(fake.clientNames).toEqual([]);
    const warned = lines.filter((l) => l.reason === "tls_untrusted_broker" && l.level === 40);
    expect(warned).toHaveLength(1); // once, not once per retry
    expect(warned[0]?.msg).toMatch(/events wait in the outbox/);

    // The real broker comes back on that address: the backlog drains, in order, none lost.
    await fake.close();
    const real = await broker(site, fake.port);
    const sub = await subscriber(real.url, [`doorward/${door}/event`], {
      ca: site.pem.ca,
      cert: site.pem.clientCert,
      key: site.pem.clientKey,
    });
    cleanups.push(sub.end);
    const last = h.app.services.audit.tail(1)[0]?.seq ?? 0;
    await bridge?.waitForPublished(last, 15_000);
    await sub.waitFor((m) => m.length >= last);
    expect(sub.messages.map((m) => JSON.parse(m.text).seq)).toEqual(
      Array.from({ length: last }, (_, i) => i + 1),
    );
  }, 30_000);

  it("is refused by the broker without a client certificate, and says so", async () => {
    const door = uniqueId("door");
    const pki = await makeTestPki(tempDir(), door);
    const b = await broker(pki);
    const { h, lines } = await controller(door, b.url, {
      ca_file: pki.caFile,
      cert_file: null,
      key_file: null,
    });
    await waitUntil(() => lines.some((l) => l.reason === "tls_refused_by_broker"));
    expect(lines.find((l) => l.reason === "tls_refused_by_broker")?.code).toBe(
      "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED",
    );
    expect(h.app.services.mqtt?.isConnected()).toBe(false);
    expect(b.clientNames).toEqual([]);
    await useTheDoor(h);
    expect(h.app.services.mqtt?.publishedSeq()).toBe(0);
  });
});

describe.skipIf(!hasMosquitto)("TLS to Mosquitto running hardware/mosquitto/mosquitto.conf", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  });

  it("a door with its certificate publishes; Home Assistant (its own certificate) reads the events", async () => {
    const door = uniqueId("door");
    const pki = await makeTestPki(tempDir(), door);
    const mosq = await startMosquittoFromExample(pki);
    cleanups.push(mosq.close);
    const h = await startHarness({
      door_id: door,
      mqtt: {
        enabled: true,
        url: mosq.url,
        tls: { ca_file: pki.caFile, cert_file: pki.clientCertFile, key_file: pki.clientKeyFile },
      },
    });
    cleanups.push(() => h.app.stop());
    await waitUntil(() => h.app.services.mqtt?.isConnected() === true);
    const ha = await issueClientCert(pki, "homeassistant");
    const sub = await subscriber(mosq.url, [`doorward/${door}/event`, `doorward/${door}/state`], {
      ca: pki.pem.ca,
      ...ha,
    });
    cleanups.push(sub.end);
    h.addUserWithPin("Ann", "2468");
    await h.type("2468#");
    const last = h.app.services.audit.tail(1)[0]?.seq ?? 0;
    await h.app.services.mqtt?.waitForPublished(last);
    // The ACL let the door write its own topics and HA read them.
    await sub.waitFor((m) =>
      m.some((x) => x.topic.endsWith("/event") && JSON.parse(x.text).reason === "granted"),
    );
    expect(sub.messages.some((x) => x.topic.endsWith("/state") && x.retain)).toBe(true);
  }, 20_000);
});
