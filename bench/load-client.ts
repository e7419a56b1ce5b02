// Runs autocannon in its own process (so it does not share an event loop with the Drive double the bench
// process serves) and prints its latency as JSON. Started by load-bench.ts:
//   node --import tsx bench/load-client.ts '<LoadClientOptions as JSON>'

import { createRequire } from 'node:module';

export interface LoadClientOptions {
  url: string;
  connections: number;
  seconds: number;
  /** Requests per second per connection (latency then corrected for coordinated omission); none: flat out. */
  connectionRate?: number;
  headers?: Record<string, string>;
  /** Session cookies, handed out in turn to the requests: many signed-in people, not one. */
  cookies?: string[];
}

export interface LoadClientResult {
  p50: number;
  p99: number;
  max: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

interface AutocannonRequest {
  headers?: Record<string, string>;
}
interface AutocannonResult {
  latency: { p50: number; p99: number; max: number };
  requests: { total: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  connectionRate?: number;
  headers?: Record<string, string>;
  requests?: Array<{ setupRequest(req: AutocannonRequest): AutocannonRequest }>;
}) => Promise<AutocannonResult>;

// autocannon is CommonJS without type declarations; the little used here is typed above.
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as LoadClientOptions;
  const cookies = options.cookies ?? [];
  let next = 0;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    ...(options.connectionRate ? { connectionRate: options.connectionRate } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
    ...(cookies.length > 0
      ? {
          requests: [
            {
              setupRequest: (req) => ({
                ...req,
                headers: { ...req.headers, cookie: cookies[next++ % cookies.length] ?? '' },
              }),
            },
          ],
        }
      : {}),
  });
  const out: LoadClientResult = {
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
