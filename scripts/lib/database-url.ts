// Which database the db:* scripts act on when no DATABASE_URL is given: the local one that
// `npm run dev` started and wrote into .dev.vars. That file outlives the dev stack, so the URL
// it names answers only while `npm run dev` is running.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { errorFields } from "../../src/lib/error-fields.ts";

const DEV_VARS = fileURLToPath(new URL("../../.dev.vars", import.meta.url));

/** DATABASE_URL from .dev.vars, or undefined when the file or the key is missing. */
export function devVarsDatabaseUrl(): string | undefined {
  if (!existsSync(DEV_VARS)) return undefined;
  const line = readFileSync(DEV_VARS, "utf8")
    .split("\n")
    .find((entry) => entry.startsWith("DATABASE_URL="));
  return (
    line
      ?.slice("DATABASE_URL=".length)
      .trim()
      .replace(/^"(.*)"$/, "$1") || undefined
  );
}

/**
 * Runs `run` on DATABASE_URL or, when it is unset, on the local database of .dev.vars. When
 * there is neither, or that local database does not answer, it says in one sentence what to do
 * and sets exit code 1; any other failure is thrown to the caller.
 */
export async function onTargetDatabase(command: string, run: (databaseUrl: string) => Promise<void>): Promise<void> {
  const given = process.env.DATABASE_URL;
  // Set but empty is a mistake, e.g. DATABASE_URL="$NEON_URL" with NEON_URL unset: acting on the
  // local database instead would hide it.
  if (given === "") {
    return refuse(
      `${command}: DATABASE_URL is not set to a URL (it is empty): give it one, or unset it to use the local database in .dev.vars.`,
    );
  }
  const url = given ?? devVarsDatabaseUrl();
  if (!url) {
    return refuse(
      `${command}: DATABASE_URL is not set and there is no .dev.vars: start \`npm run dev\` (it writes .dev.vars and runs the local database), or set DATABASE_URL=postgres://… for another database.`,
    );
  }
  if (given === undefined) {
    const { host, pathname } = new URL(url);
    console.log(`${command}: DATABASE_URL is not set; using the local database in .dev.vars (${host}${pathname})`);
  }
  try {
    await run(url);
  } catch (error) {
    if (given !== undefined || !refused(error)) throw error;
    refuse(
      `${command}: the local database in .dev.vars does not answer; start \`npm run dev\` (in another terminal) and run this again.`,
    );
  }
}

function refuse(sentence: string): void {
  console.error(sentence);
  process.exitCode = 1;
}

function refused(error: unknown): boolean {
  const fields = errorFields(error);
  return [fields, ...(fields.cause ?? [])].some((link) => link.code === "ECONNREFUSED");
}
