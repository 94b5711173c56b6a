import mqtt, { type MqttClient } from "mqtt";
import type { LightDoor } from "../../simulator/light-door.js";
import { hubSchema } from "../../src/config/hub-schema.js";
import { HubService } from "../../src/hub/hub-service.js";
import type { HubStore } from "../../src/hub/store/hub-store.js";
import { captureLogger } from "../helpers/capture-logger.js";
import { type TestBroker, uniqueId, waitUntil } from "../helpers/mqtt-broker.js";

/** aedes speaks MQTT 3.1.1 only; Mosquitto (MQTT_TEST_URL in CI) gets the hub's MQTT 5 session. */
export function hubMqttOverrides(broker: TestBroker) {
  return broker.kind === "aedes" ? { protocolVersion: 4 as const, properties: undefined } : {};
}

export function hubSettings(prefix: string, over: Record<string, unknown> = {}) {
  return hubSchema.parse({
    prefix,
    client_id: uniqueId("hub"),
    batch_ms: 5,
    alert_topic: `${prefix}-hub/alert`,
    ...over,
  });
}

export async function startHub(
  broker: TestBroker,
  store: HubStore,
  settings: ReturnType<typeof hubSettings>,
  extra: Partial<ConstructorParameters<typeof HubService>[0]> = {},
  onBatch?: Parameters<HubService["onBatch"]>[0],
): Promise<HubService> {
  const hub = new HubService({
    settings: { ...settings, mqtt_url: broker.url },
    store,
    log: captureLogger().logger,
    now: () => Date.now(),
    clientOptions: hubMqttOverrides(broker),
    ...extra,
  });
  if (onBatch) hub.onBatch(onBatch);
  await hub.start();
  // The SUBSCRIBE goes out on connect; give it a round trip before doors publish.
  await new Promise((r) => setTimeout(r, 100));
  return hub;
}

export async function doorClient(url: string): Promise<MqttClient> {
  return mqtt.connectAsync(url, { protocolVersion: 4, clean: true });
}

export async function publishEvents(client: MqttClient, prefix: string, door: LightDoor, seqs: number[]) {
  for (const s of seqs) {
    const e = door.events[s - 1];
    if (e) await client.publishAsync(`${prefix}/${door.door}/event`, door.payload(e), { qos: 1 });
  }
}

export async function countRows(store: HubStore, door: string): Promise<number> {
  const [r] = await store.query<{ n: number }>(
    "SELECT count(*)::bigint AS n FROM hub_events WHERE door = $1",
    [door],
  );
  return r?.n ?? 0;
}

export async function waitForRows(
  store: HubStore,
  door: string,
  n: number,
  timeoutMs = 20_000,
): Promise<void> {
  let count = 0;
  const deadline = Date.now() + timeoutMs;
  while (count < n) {
    count = await countRows(store, door);
    if (count >= n) return;
    if (Date.now() > deadline) throw new Error(`only ${count} of ${n} rows for ${door}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  void waitUntil;
}
