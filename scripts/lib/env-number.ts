/** a non-negative number from the environment (unset or empty: `fallback`); anything else ends the process with a message */
export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (Number.isFinite(value) && value >= 0) return value;
  console.error(`${name}=${raw} is not a non-negative number`);
  process.exit(1);
}
