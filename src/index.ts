import { createApp } from "./app";
import { runScheduled } from "./jobs/schedule";

export { ShopperSession } from "../durable-objects/shopper-session";

const app = createApp();

export default {
  fetch: app.fetch,
  // Cron Triggers (wrangler.toml [triggers]): the lifecycle jobs of src/jobs, by cron.
  scheduled: async (controller: ScheduledController, env: Env, _ctx: ExecutionContext) => {
    await runScheduled(controller, env);
  },
} satisfies ExportedHandler<Env>;
