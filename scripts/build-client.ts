// `npm run build:client`: writes public/shared/crosscart-client.js from src/client and prints
// the minified + gzipped size. `--check` writes nothing and exits 1 when the committed bundle
// is stale (what test/node/client-bundle.test.ts asserts too).
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleClient, CLIENT_BUNDLE, clientBundleSize } from "./lib/client-bundle.ts";

const target = join(fileURLToPath(new URL("../", import.meta.url)), CLIENT_BUNDLE);
const fresh = await bundleClient();
const committed = await readFile(target, "utf8").catch(() => "");

if (process.argv.includes("--check")) {
  if (fresh !== committed) {
    console.error(`${CLIENT_BUNDLE} is not current: run npm run build:client and commit it`);
    process.exit(1);
  }
  console.log(`${CLIENT_BUNDLE} is current`);
} else {
  if (fresh !== committed) await writeFile(target, fresh);
  console.log(`${fresh === committed ? "unchanged" : "wrote"} ${CLIENT_BUNDLE}`);
}
const { minified, gzipped } = await clientBundleSize();
console.log(`crosscart/client: ${minified} B minified, ${gzipped} B minified + gzipped`);
