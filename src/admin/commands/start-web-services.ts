import type { RunningController } from "../../main.js";
import { SensorRequestStore } from "../../store/sensor-request-store.js";
import { AdminAccountStore } from "../http/admin-account-store.js";
import type { AdminHttpServer } from "../http/admin-http-server.js";
import { createAdminHttpServer } from "../http/create-admin-http-server.js";
import { recordJson } from "../http/log-routes.js";
import { DEMO_USERS } from "./demo-users.js";

export interface WebServices {
  admin: AdminHttpServer | null;
  stop(): Promise<void>;
}

/**
 * Starts the admin HTTPS server and, on simulated hardware, the simulator panel. Either one
 * failing (a port in use) is printed and logged but never stops the door controller.
 */
export async function startWebServices(
  running: RunningController,
  out: (line: string) => void,
): Promise<WebServices> {
  const { app, sim, clock, logger } = running;
  const { settings } = app;
  const stops: Array<() => Promise<void>> = [];
  let admin: AdminHttpServer | null = null;

  if (settings.web.enabled) {
    const server = createAdminHttpServer(app, clock, logger);
    try {
      const { url, fingerprint256, generated } = await server.start();
      admin = server;
      stops.push(() => server.stop());
      out(
        `admin page: ${url}  (certificate SHA-256 ${fingerprint256}${generated ? ", self-signed, generated now" : ""})`,
      );
      if (new AdminAccountStore(app.services.db).list().length === 0)
        out("admin page: no admin accounts yet; add one with: doorward admin add NAME");
    } catch (err) {
      // One line that says what to change, not a stack trace: the door keeps working without it.
      const why = startFailure(err, settings.web.bind, settings.web.port, "web.port");
      logger.error({ code: (err as NodeJS.ErrnoException).code }, `admin page not started: ${why}`);
      out(`admin page: not started: ${why}`);
    }
  }

  if (sim && settings.simulator_panel.enabled) {
    const { SimPanelServer } = await import("../../../simulator/panel/sim-panel-server.js");
    const { audit } = app.services;
    const panel = new SimPanelServer(
      sim,
      {
        recent: () => audit.tail(30).map(recordJson),
        subscribe: (listener) => audit.onAppend((r) => listener(recordJson(r))),
      },
      { port: settings.simulator_panel.port },
    );
    await addCredentialDevices(running, panel);
    try {
      const { url } = await panel.start();
      stops.push(() => panel.stop());
      out(`simulator panel: ${url}`);
    } catch (err) {
      out(
        `simulator panel: not started: ${startFailure(err, "127.0.0.1", settings.simulator_panel.port, "simulator_panel.port")}`,
      );
    }
  }

  return {
    admin,
    async stop() {
      for (const stop of stops.reverse()) await stop().catch(() => {});
    },
  };
}

/** Why a server could not listen, naming the config key to change for the usual causes. */
function startFailure(err: unknown, bind: string, port: number, key: string): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "EADDRINUSE")
    return `port ${port} on ${bind} is already in use (another program, or another doorward); set ${key} in the config to a free port`;
  if (code === "EACCES")
    return `port ${port} needs privileges this user does not have; set ${key} to a port above 1023`;
  if (code === "EADDRNOTAVAIL") return `${bind} is not an address of this machine; check the bind setting`;
  return String((err as Error)?.message ?? err).split("\n")[0] ?? "";
}

type Panel = import("../../../simulator/panel/sim-panel-server.js").SimPanelServer;

/** Fingers and badges on the panel, driving the same VirtualR503 / badge reader as the console. */
async function addCredentialDevices(running: RunningController, panel: Panel): Promise<void> {
  const { app, sim, clock } = running;
  if (!sim) return;
  const { fingerprintPanelDevice } = await import("../../../simulator/panel/fingerprint-panel-device.js");
  const { badgePanelDevice } = await import("../../../simulator/panel/badge-panel-device.js");
  const { db, users, audit } = app.services;
  const requests = new SensorRequestStore(db);
  panel.addDevice(
    fingerprintPanelDevice(sim.fingerprint, {
      enrolled: () =>
        [...requests.assignedSlots()].map(([slot, userId]) => ({ slot, label: users.get(userId).name })),
      watchEnrolled: (notify) =>
        audit.onAppend((r) => {
          if (/^(fingerprint_|user_removed|user_erased)/.test(r.reason)) notify();
        }),
    }),
  );
  // The demo badges are offered even where those people were never seeded: a tap is then denied.
  const demo = DEMO_USERS.map((d) => ({ number: d.badge, label: d.name }));
  panel.addDevice(
    badgePanelDevice((n) => {
      if (app.settings.badge.reader === "rdm6300") {
        sim.rdm6300.present(n.toString(16).padStart(8, "0"));
        clock.setTimeout(() => sim.rdm6300.remove(), 600);
      } else if (sim.wiegand.canSend(n)) void sim.wiegand.presentCard(n).catch(() => undefined);
    }, demo),
  );
  const { osdpPanelDevice } = await import("../../../simulator/panel/osdp-panel-device.js");
  const { CARD_FORMAT_OF } = await import("../../osdp/osdp-buses.js");
  for (const door of sim.doors)
    for (const r of door.readers)
      if (r.kind === "osdp")
        panel.addDevice(osdpPanelDevice({ id: r.id, pd: r.device, format: CARD_FORMAT_OF[r.format], clock }));
}
