// Shared by vitest.config.ts (Node) and the worker tests (workerd).
export const TEST_JWT_SECRET = "test-secret-that-is-at-least-32-bytes-long";
export const TEST_SESSION_TOKEN_KEY = "test-session-token-key-at-least-32-bytes";
