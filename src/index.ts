import { createApp } from "./app";

export { ShopperSession } from "../durable-objects/shopper-session";

const app = createApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
