import { z } from "zod";

/**
 * The `secrets` section. `credential_key_file` points to a key shared by every door of a fleet,
 * so credential hashes made by `doorward fleet publish` match at each door. Without it each
 * door uses its own device secret (data_dir/secret.key), which suits a door that stands alone.
 */
export const secretsSchema = z
  .object({ credential_key_file: z.string().min(1).nullable().default(null) })
  .strict()
  .default({ credential_key_file: null });
