import { authenticate } from "../../lib/auth/authenticate.ts";
import type { Db } from "../../lib/db/client.ts";
import { hopHeaders, SECRET_HEADER } from "../../lib/http/internal-hop.ts";

/** The internal secret of every service a test builds (the real servers' mode requires one). */
export const TEST_INTERNAL_SECRET = `test-internal-secret-${Bun.randomUUIDv7()}`;

/** What a test sends to a service behind the gateway as the gateway would: the secret. */
export const trustedHop = { [SECRET_HEADER]: TEST_INTERNAL_SECRET };

/** The hop headers the gateway sends for a request with this token, having checked it as it does. */
export async function gatewayHop(db: Db, token: string): Promise<Record<string, string>> {
  const principal = await authenticate(
    db,
    new Request("http://gw/", { headers: { authorization: `Bearer ${token}` } }),
  );
  if (!principal) throw new Error("the gateway would not sign this token in");
  return hopHeaders(TEST_INTERNAL_SECRET, principal);
}
