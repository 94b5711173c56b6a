import type { Router } from "./router.js";
import type { WebDeps } from "./web-deps.js";

/**
 * GET /api/occupancy: who is inside each door's room now, for the "who is inside" panel
 * (evacuation mustering). Names are shown here as on the people page; the log and MQTT carry
 * only user codes and counts.
 */
export function addOccupancyRoutes(router: Router, deps: WebDeps): void {
  router.add("GET", "/api/occupancy", () => {
    const now = deps.clock.now();
    const names = new Map(deps.users.list().map((u) => [u.userCode, u.name]));
    const rooms = deps.site?.rules.occupancy(now) ?? [];
    return {
      json: {
        time: new Date(now).toISOString(),
        doors: rooms.map((r) => ({
          door: r.door,
          count: r.occupants.length,
          occupants: r.occupants.map((o) => ({
            user_code: o.userCode,
            name: names.get(o.userCode) ?? null,
            since: new Date(o.sinceMs).toISOString(),
          })),
        })),
      },
    };
  });
}
