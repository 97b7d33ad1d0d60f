// How many launches run at once. Each TypeScript launch type-checks for 15-40 s on one core and holds about
// 0.8 GB, so the default is the number of cores, lowered when memory is short (HOST_HARNESS_CONCURRENCY overrides).
import * as os from "node:os";

const GIB = 1024 ** 3;

export function defaultConcurrency(): number {
    const fromEnv = Number(process.env.HOST_HARNESS_CONCURRENCY);
    if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
    const byMemory = Math.floor(os.freemem() / GIB);
    return Math.max(1, Math.min(os.availableParallelism(), byMemory));
}

/** A limiter: run(fn) starts fn when fewer than `size` are running. */
export function pool(size: number = defaultConcurrency()): <T>(fn: () => Promise<T>) => Promise<T> {
    let running = 0;
    const waiting: (() => void)[] = [];
    return async <T>(fn: () => Promise<T>): Promise<T> => {
        // A finishing task hands its slot straight to the next waiter.
        if (running >= size) await new Promise<void>((resolve) => waiting.push(resolve));
        else running++;
        try {
            return await fn();
        } finally {
            const next = waiting.shift();
            if (next) next();
            else running--;
        }
    };
}

/** A promise whose rejection is reported where it is awaited, not as an unhandled rejection before that. */
export function later<T>(promise: Promise<T>): Promise<T> {
    promise.catch(() => undefined);
    return promise;
}
