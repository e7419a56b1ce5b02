import type { Logger } from 'pino';

/**
 * A failure that escaped every handler leaves the process in an unknown state. It is logged and the
 * process exits at once with status 1 for its supervisor (Docker, systemd, Kubernetes) to restart;
 * the start-up sweep then deletes any temporary file the dead process left, and jobs it was running
 * are reported failed when asked about. Nothing user-identifying is logged: only name and message.
 */
export function exitOnCrash(
  logger: Logger,
  target: NodeJS.EventEmitter = process,
  exit: (code: number) => void = (code) => process.exit(code),
): void {
  const crash = (kind: string) => (err: unknown) => {
    logger.fatal(
      { kind, err: { name: (err as Error)?.name, message: (err as Error)?.message } },
      'unexpected failure, exiting for a restart',
    );
    logger.flush?.();
    exit(1);
  };
  target.on('unhandledRejection', crash('unhandledRejection'));
  target.on('uncaughtException', crash('uncaughtException'));
}
