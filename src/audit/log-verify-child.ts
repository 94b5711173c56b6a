import { openDatabaseReadOnly } from "../store/open-database.js";
import { verifyChain } from "./chain-verify.js";

/**
 * The admin page's log check, in a child process (see log-verify-job.ts): the running service's
 * database opened read-only, the same walk as `doorward log verify`, progress and result sent to
 * the service over IPC. A service that goes away takes the check with it.
 */
const send = process.send?.bind(process);
if (!send) throw new Error("log-verify-child runs as a child process with an IPC channel");
process.on("disconnect", () => process.exit(0));
const { file } = JSON.parse(process.argv[2] as string) as { file: string };
// Once this module has loaded (the walk blocks this thread while its worker threads start).
setImmediate(() => {
  const db = openDatabaseReadOnly(file);
  try {
    send({ result: verifyChain(db, (progress) => send({ progress })) }, () => process.disconnect());
  } catch (err) {
    send({ error: (err as Error).message }, () => process.disconnect());
  } finally {
    db.close();
  }
});
