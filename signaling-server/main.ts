import { parseSignalingCommand, type SignalingCommand, USAGE } from "./config";
import { createJsonLogger } from "./logger";
import { createSignalingServer } from "./server";
import { createRoomToken } from "./token";

/**
 * `npm run signal`: runs the signaling server with options from flags and environment variables, logs JSON lines
 * on stdout, and shuts down cleanly on SIGTERM / SIGINT (stop accepting, disconnect sockets, close Redis, exit 0).
 */

let command: SignalingCommand;
try {
  command = parseSignalingCommand(process.argv.slice(2), process.env);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}\n`);
  process.exit(2);
}

if (command.kind === "help") {
  process.stdout.write(`${USAGE}\n`);
} else if (command.kind === "token") {
  process.stdout.write(`${createRoomToken(command)}\n`);
} else {
  const logger = createJsonLogger({ level: command.logLevel });
  const server = createSignalingServer({ ...command.options, logger });
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info("shutting down", { signal });
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error("shutdown failed", { error: String(error) });
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  server.listen().catch((error: unknown) => {
    logger.error("could not start", { error: String(error) });
    process.exit(1);
  });
}
