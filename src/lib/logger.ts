import { errorFields } from "./error-fields";

export type LogFields = Record<string, unknown>;

export interface Logger {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  with(fields: LogFields): Logger;
}

/**
 * One JSON object per line, picked up by Workers Logs / `wrangler tail`. Callers must
 * never pass tokens or JWTs; session tokens are only ever logged as their hash prefix.
 * An `error` field takes anything thrown, as it is: the logger writes it as errorFields
 * (name, message, stack, causes; never SQL parameters or tokens).
 */
export function createLogger(base: LogFields = {}): Logger {
  const write = (level: string, msg: string, fields?: LogFields) => {
    const safe = fields?.error !== undefined ? { ...fields, error: errorFields(fields.error) } : fields;
    const line = JSON.stringify({ level, msg, time: new Date().toISOString(), ...base, ...safe });
    if (level === "error") console.error(line);
    else if (level === "warn") console.warn(line);
    else console.log(line);
  };
  return {
    info: (msg, fields) => write("info", msg, fields),
    warn: (msg, fields) => write("warn", msg, fields),
    error: (msg, fields) => write("error", msg, fields),
    with: (fields) => createLogger({ ...base, ...fields }),
  };
}
