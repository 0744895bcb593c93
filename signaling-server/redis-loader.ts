import type { SignalingLogger } from "./logger";
import type { RedisScaleOut } from "./redis-adapter";

/** The module that holds the Redis scale-out, as `import()` yields it. */
type RedisAdapterModule = typeof import("./redis-adapter");

/**
 * Connects the Redis scale-out, loading it only now: `redis` and `@socket.io/redis-streams-adapter` are optional
 * peer dependencies of the shipped `hamok-signal`, so an install without them runs every option but `--redis-url`,
 * and with `--redis-url` fails saying which packages to install instead of a bare module-not-found.
 */
export async function connectRedisOnDemand(
  url: string,
  logger: SignalingLogger,
  load: () => Promise<RedisAdapterModule> = () => import("./redis-adapter"),
): Promise<RedisScaleOut> {
  let adapter: RedisAdapterModule;
  try {
    adapter = await load();
  } catch (error) {
    if ((error as { code?: unknown }).code !== "ERR_MODULE_NOT_FOUND") throw error;
    throw new Error(
      "--redis-url needs the packages redis and @socket.io/redis-streams-adapter (optional peer dependencies of hamok): npm install redis @socket.io/redis-streams-adapter",
      { cause: error },
    );
  }
  return adapter.connectRedisScaleOut(url, logger);
}
