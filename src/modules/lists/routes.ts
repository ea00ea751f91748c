// What a wishlist and a comparison share, written once: reading the list, removing an item,
// sharing and unsharing it, and (public only) the read-only shared view. Each module adds
// its own item routes with `run`, and says how its view is shown.
import { createRoute, type RouteConfig, type z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type {
  Outcome,
  RemoveItem,
  SessionCall,
  ShareCommand,
  ShopperSessionRpc,
} from "../../../durable-objects/contract";
import { ApiError } from "../../lib/errors";
import { type Audience, jsonContent, SHOPPER_ERRORS, shopperRoute } from "../../lib/openapi";
import { createRouter } from "../../lib/router";
import { sha256Hex } from "../../lib/tokens";
import { requireFeature } from "../../middleware/shopper";
import { callSession, newShareToken, sharedSessionStub, unwrap } from "../../session-client";
import type { AppEnv } from "../../types";
import { sessionCall } from "../shopper-call";
import { ListItemParams, ShareTokenParams } from "./schema";

type Stub = DurableObjectStub<ShopperSessionRpc>;
/** The commands every list takes; a module's own commands extend these. */
export type ListCommand = ShareCommand | RemoveItem;

export interface ListSpec<
  View extends { version: number },
  Command,
  Shown extends z.ZodType,
  Share extends z.ZodType,
  Shared extends z.ZodType,
> {
  name: "wishlist" | "comparison";
  feature: "wishlist" | "compare";
  /** Share links point to COMPANY_PORTAL_URL/{portalPath}/{token}. */
  portalPath: string;
  /** The list as its owner sees it, the answer to POST /share, and what a share link shows. */
  schema: Shown;
  shareSchema: Share;
  sharedSchema: Shared;
  summaries: { read: string; remove: string; share: string; shared: string };
  read: (stub: Stub, call: SessionCall) => Promise<Outcome<View>>;
  command: (stub: Stub, call: SessionCall, command: Command | ListCommand) => Promise<Outcome<View>>;
  shared: (stub: Stub, companyId: string, tokenHash: string) => Promise<Outcome<View>>;
  /** The view with the catalog facts its items show. */
  show: (c: Context<AppEnv>, view: View) => Promise<z.output<Shown>>;
  /** The share answer: the link and the list. */
  shareBody: (link: { token: string; url: string }, shown: z.output<Shown>) => z.output<Share>;
  /** What a share link reveals: no ids, no customer data. */
  reveal: (shown: z.output<Shown>) => z.output<Shared>;
}

export function listRoutes<
  View extends { version: number },
  Command,
  Shown extends z.ZodType,
  Share extends z.ZodType,
  Shared extends z.ZodType,
>(spec: ListSpec<View, Command, Shown, Share, Shared>) {
  const { name } = spec;
  const LIST = { 200: jsonContent(spec.schema, `The ${name}`), ...SHOPPER_ERRORS };
  const route = <R extends Omit<RouteConfig, "tags">>(audience: Audience, config: R) =>
    shopperRoute(audience, createRoute({ ...config, tags: [name] }));

  /** Sends the list as shown, with its version as ETag (the value If-Match takes back). */
  async function send<S extends 200 | 201>(c: Context<AppEnv>, outcome: Outcome<View>) {
    const { status, body } = unwrap(outcome);
    c.header("ETag", `"${body.version}"`);
    c.header("Cache-Control", "no-store");
    // The session answers 201 only where the route declares it (an item added).
    return c.json(await spec.show(c, body), status as S);
  }

  /** Applies one command to the list of the session this request acts on. */
  async function run<S extends 200 | 201>(c: Context<AppEnv>, command: Command | ListCommand, body?: unknown) {
    const call = await sessionCall(c, { body });
    return send<S>(c, await callSession(c.env, call, (stub, routed) => spec.command(stub, routed, command)));
  }

  /** The shared routes for `audience`; the module chains its item routes on it. */
  function router(audience: Audience) {
    const router = createRouter();
    router.use("*", requireFeature(spec.feature));
    router
      .openapi(
        route(audience, { method: "get", path: "/", summary: spec.summaries.read, responses: LIST }),
        async (c) => send(c, await callSession(c.env, await sessionCall(c), spec.read)),
      )
      .openapi(
        route(audience, {
          method: "delete",
          path: "/items/{itemId}",
          summary: spec.summaries.remove,
          request: { params: ListItemParams },
          responses: LIST,
        }),
        (c) => run(c, { type: "remove", itemId: c.req.valid("param").itemId }),
      )
      .openapi(
        route(audience, {
          method: "post",
          path: "/share",
          summary: spec.summaries.share,
          responses: { 200: jsonContent(spec.shareSchema, "The share token and URL"), ...SHOPPER_ERRORS },
        }),
        async (c) => {
          // Without the Idempotency-Key: a replay would send the stored view with a token minted
          // here and never stored (a dead link). Each share retires the previous link, so a retry
          // is safe as it is: it answers with a link that works.
          const { idempotency: _, ...call } = await sessionCall(c);
          // The token names the object that holds the list, so it is minted for the routed stub.
          let token = "";
          const outcome = await callSession(c.env, call, async (stub, routed) => {
            token = newShareToken(stub);
            return spec.command(stub, routed, { type: "share", tokenHash: await sha256Hex(token) });
          });
          const { body } = unwrap(outcome);
          c.header("Cache-Control", "no-store");
          const url = `${c.var.config.COMPANY_PORTAL_URL}/${spec.portalPath}/${token}`;
          return c.json(spec.shareBody({ token, url }, await spec.show(c, body)), 200);
        },
      )
      .openapi(
        route(audience, {
          method: "delete",
          path: "/share",
          summary: "Stop sharing (the link 404s at once)",
          responses: LIST,
        }),
        (c) => run(c, { type: "unshare" }),
      );
    if (audience === "public") {
      // Like every route of the list, the shared view follows the viewing site's feature flag.
      router.openapi(
        route("public", {
          method: "get",
          path: "/shared/{token}",
          summary: spec.summaries.shared,
          request: { params: ShareTokenParams },
          responses: { 200: jsonContent(spec.sharedSchema, `The shared ${name}`), ...SHOPPER_ERRORS },
        }),
        async (c) => {
          const { token } = c.req.valid("param");
          c.header("X-Robots-Tag", "noindex");
          c.header("Cache-Control", "no-store");
          const stub = sharedSessionStub(c.env, token);
          if (!stub) throw new ApiError("NOT_FOUND", `Shared ${name} not found`);
          const { body } = unwrap(await spec.shared(stub, c.var.shopper.company.id, await sha256Hex(token)));
          return c.json(spec.reveal(await spec.show(c, body)), 200);
        },
      );
    }
    return router;
  }

  return { router, route, run, LIST };
}
