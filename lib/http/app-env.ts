import type { Context } from "hono";
import type { Services } from "../platform/services";

export interface AppEnv {
  Variables: { services: Services; requestId: string };
}

export type AppContext = Context<AppEnv>;
