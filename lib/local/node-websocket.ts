import WebSocket from "ws";

/**
 * The WebSocket the Neon driver uses on Node (workerd has its own). ws implements what the
 * driver calls; only its type declarations differ from the DOM's, hence the one cast, here.
 */
export const nodeWebSocket = WebSocket as unknown as typeof globalThis.WebSocket;
