import { createApp } from "./app";
import { runScheduled } from "./jobs/schedule";
import { refreshRollupsAfterReplication } from "./modules/analytics/replication-refresh";
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
    // The analytics rollups of the days a batch touched, recomputed in its transaction at most
    // every 30 s per company; reads recompute what is still marked (docs/design.md §66, 106).
    await handleReplicationQueue(batch, env, { afterWrite: refreshRollupsAfterReplication });
  },
} satisfies ExportedHandler<Env>;
