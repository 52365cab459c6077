// A wide-area network on loopback, for the wan benchmark. Many kernels (and containers) lack netem, so the delay
// is made in user space: each emulated host's port is redirected (iptables DNAT, in the benchmarks' own network
// namespace) to a forwarder that holds every chunk `oneWayMs` in each direction and then passes it to the real
// server. Clients still connect to the host:port the emulator announced, which tokens and challenges name.
// Only latency is modelled: no bandwidth limit, loss or TCP slow start.
import { execFile } from 'node:child_process';
import { AddressInfo, connect, createServer, Server, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Set (by run.ts) in the network namespace of its own that the benchmarks run in when wan is among them. */
export const privateNetworkVariable = 'ACR_BENCH_PRIVATE_NETWORK';

/** The forwarders' own connections to the servers come from this address, which the redirection leaves alone. */
const forwarderSource = '127.0.0.2';

export interface DelayedHost {
  /** What the counts are kept under: `entra`, `arm`, `registry:<name>`, as in the emulator's log. */
  readonly name: string;
  readonly port: number;
}

export interface DelayedNetwork {
  /** Milliseconds each direction is held, for connections opened from now on. */
  oneWayMs: number;
  /** New connections (TCP, and so TLS) accepted per host since the last reset. */
  connections(): Record<string, number>;
  resetConnections(): void;
  /** Closes every open connection, as idle time-outs do while the user is doing something else. */
  dropConnections(): Promise<void>;
  stop(): Promise<void>;
}

/** Things to do with a connection's bytes, each at its time, in the order they came. */
class Held {
  private readonly queue: { due: number; action: () => void }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastDue = 0;

  add(due: number, action: () => void): void {
    this.lastDue = Math.max(due, this.lastDue);
    this.queue.push({ due: this.lastDue, action });
    this.timer ??= setTimeout(() => this.release(), this.lastDue - performance.now());
  }

  private release(): void {
    this.timer = undefined;
    while (this.queue.length > 0 && this.queue[0].due <= performance.now()) this.queue.shift()!.action();
    if (this.queue.length > 0) this.timer = setTimeout(() => this.release(), Math.max(1, this.queue[0].due - performance.now()));
  }

  clear(): void {
    clearTimeout(this.timer);
    this.queue.length = 0;
  }
}

function forward(from: Socket, to: Socket, held: Held, delayMs: number, earliest: number): void {
  from.on('data', (chunk: Buffer) => held.add(Math.max(performance.now() + delayMs, earliest), () => to.write(chunk)));
  from.on('end', () => held.add(Math.max(performance.now() + delayMs, earliest), () => to.end()));
}

async function redirect(add: boolean, port: number, forwarderPort: number): Promise<void> {
  const rule = ['OUTPUT', '-p', 'tcp', '-d', '127.0.0.1', '--dport', String(port), '!', '-s', forwarderSource, '-j', 'DNAT', '--to-destination', `127.0.0.1:${forwarderPort}`];
  await run('iptables', ['-t', 'nat', add ? '-A' : '-D', ...rule]);
}

export async function delayHosts(hosts: readonly DelayedHost[], oneWayMs: number): Promise<DelayedNetwork> {
  if (!process.env[privateNetworkVariable]) throw new Error('the delayed network changes iptables, so it runs only in the network namespace run.ts makes for it (npm run bench -- wan)');
  const open = new Set<Socket>();
  const counts: Record<string, number> = {};
  const network: DelayedNetwork = {
    oneWayMs,
    connections: () => ({ ...counts }),
    resetConnections: () => {
      for (const name of Object.keys(counts)) delete counts[name];
    },
    dropConnections: async () => {
      for (const socket of open) socket.destroy();
      // Lets the clients see the closes before their next request.
      await new Promise((resolve) => setTimeout(resolve, 50));
    },
    stop: async () => {
      await network.dropConnections();
      for (const [index, { port }] of hosts.entries()) await redirect(false, port, (servers[index].address() as AddressInfo).port);
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    },
  };
  const servers: Server[] = [];
  for (const host of hosts) {
    // Half-open allowed, so an end is passed on after the bytes held before it rather than at once.
    const server = createServer({ allowHalfOpen: true }, (client) => {
      counts[host.name] = (counts[host.name] ?? 0) + 1;
      const delayMs = network.oneWayMs;
      const upstream = connect({ host: '127.0.0.1', port: host.port, localAddress: forwarderSource, allowHalfOpen: true });
      const toServer = new Held();
      const toClient = new Held();
      // The kernel finished the client's TCP handshake at once; on the network it takes a round trip, so the
      // client's first bytes reach the server no earlier than three one-way delays after it connected.
      forward(client, upstream, toServer, delayMs, performance.now() + 3 * delayMs);
      forward(upstream, client, toClient, delayMs, 0);
      for (const socket of [client, upstream]) {
        open.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', (hadError) => {
          open.delete(socket);
          if (!hadError) return;
          toServer.clear();
          toClient.clear();
          client.destroy();
          upstream.destroy();
        });
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    await redirect(true, host.port, (server.address() as AddressInfo).port);
  }
  return network;
}
