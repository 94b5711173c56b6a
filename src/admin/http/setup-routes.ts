import type { Router } from "./router.js";
import type { WebDeps } from "./web-deps.js";

/** What the login page shows before anyone can log in: the command that creates the first admin. */
export const CREATE_ADMIN_COMMAND = "doorward admin add NAME";

/**
 * GET /api/setup, without a session: whether any admin account exists. Before the first one
 * exists, the login page says so and shows the command, instead of "wrong name or password"
 * to every attempt. It says nothing about which names exist.
 */
export function addSetupRoutes(router: Router, deps: WebDeps): void {
  router.add(
    "GET",
    "/api/setup",
    () => {
      const adminsExist = deps.accounts.list().length > 0;
      return { json: { admins_exist: adminsExist, create_admin: adminsExist ? null : CREATE_ADMIN_COMMAND } };
    },
    { auth: "none" },
  );
}
