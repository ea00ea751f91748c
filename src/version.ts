// Bumped with package.json's version on release; reported by GET /api/health.
export const VERSION = "0.1.0";
