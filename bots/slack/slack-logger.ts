import { type Logger, LogLevel } from '@slack/bolt';
import type { KitLogger } from '../kit/kit.types';

/** Bolt's (and the Web API client's) logger interface over the bots' logger. */
export function boltLogger(logger: KitLogger, name = 'slack'): Logger {
  let level: LogLevel = LogLevel.INFO;
  const text = (parts: unknown[]) => parts.map((p) => (typeof p === 'string' ? p : String(p))).join(' ');
  return {
    debug: (...parts) => logger.debug(text(parts), { component: name }),
    info: (...parts) => logger.info(text(parts), { component: name }),
    warn: (...parts) => logger.warn(text(parts), { component: name }),
    error: (...parts) => logger.error(text(parts), { component: name }),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: (next) => {
      name = next;
    },
  };
}
