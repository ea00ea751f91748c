import { createApp } from "./app";
import { runScheduled } from "./jobs/schedule";
import { refreshRollups } from "./modules/analytics/sql/rollups";
import { handleReplicationQueue } from "./replication";

export { ShopperSession } from "../durable-objects/shopper-session";

const app = createApp();

export default {
  fetch: app.fetch,
  // Cron Triggers (wrangler.toml [triggers]): the lifecycle jobs of src/jobs, by cron.
  scheduled: async (controller: ScheduledController, env: Env, _ctx: ExecutionContext) => {
    await runScheduled(controller, env);
  },
  // The replication queue and its dead-letter queue (wrangler.toml [[queues.consumers]]).
  queue: async (batch: MessageBatch<unknown>, env: Env, _ctx: ExecutionContext) => {
    // The analytics rollups move in the same transaction as the rows they count (docs/design.md §65).
    await handleReplicationQueue(batch, env, { afterWrite: refreshRollups });
  },
} satisfies ExportedHandler<Env>;
