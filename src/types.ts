import type { Database } from "./db/client";
import type { Config } from "./lib/config";
import type { Logger } from "./lib/logger";
import type { AuthClaims } from "./middleware/auth";
import type { ShopperContext } from "./middleware/public-session";

/** The one declaration of what every handler can read from the context. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    logger: Logger;
    config: Config;
    /** Opens the request's Postgres pool on first use; closed after the response. */
    db: () => Database;
    /** Set by `authenticate` on `/api/*` routes that take a JWT. */
    auth: AuthClaims;
    /** Set by `publicSession` on `/api/public/*` routes. */
    shopper: ShopperContext;
    /** For the request log line; set by whichever middleware learns it. */
    companyId: string;
    /** The problem code of an error response, for the log line and metrics. */
    errorCode: string;
  };
}
