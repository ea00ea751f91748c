// Cross-site sessions: one shopper session shared by all of a company's sites.
// Customers: /api/cross-site-session (JWT). Anonymous shoppers: /api/public/session.
// Live sync: /api/live?ticket=… (a WebSocket; the ticket keeps long-lived tokens out of URLs).
export { customerSessions } from "./customer";
export { live } from "./live";
export { publicSessions } from "./public";
