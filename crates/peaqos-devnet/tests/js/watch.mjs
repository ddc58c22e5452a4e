// Event watchers of viem and ethers against peaqos-devnet: each must catch every
// `EventSubmitted` of a burst, none twice. Run by tests/it/js_clients.rs, which starts the
// devnet, waits for the line "ready", then submits the burst.
//
// Watchers:
//   viem-http    watchContractEvent over HTTP (eth_newFilter + eth_getFilterChanges polling)
//   viem-ws      watchContractEvent over WebSocket (eth_subscribe logs)
//   ethers-http  contract.on over JsonRpcProvider (eth_newFilter + eth_getFilterChanges)
//   ethers-ws    contract.on over WebSocketProvider (eth_subscribe logs)
// The WebSocket watchers kill their socket (no close handshake) after a third of the burst and
// reconnect the way an application must: subscribe again on a new socket, then fetch the logs
// from the last block seen with eth_getLogs, merging by (transaction hash, log index).
//
// Environment: RPC_URL, WS_URL, REGISTRY (the EventRegistry), EXPECTED (events in the burst),
// TIMEOUT_MS. Output: one JSON line per watcher, then "done".

import { createPublicClient, http, webSocket, parseAbi } from 'viem';
import { Contract, JsonRpcProvider, WebSocketProvider } from 'ethers';

const RPC_URL = process.env.RPC_URL;
const WS_URL = process.env.WS_URL;
const REGISTRY = process.env.REGISTRY;
const EXPECTED = Number(process.env.EXPECTED ?? '500');
const TIMEOUT_MS = Number(process.env.TIMEOUT_MS ?? '120000');
const EVENT =
  'event EventSubmitted(uint256 indexed machineId, uint256 indexed eventIndex, uint8 eventType, uint256 value, string indexed currency)';
const abi = parseAbi([EVENT]);

/** What one watcher caught. */
class Tally {
  constructor(name) {
    this.name = name;
    this.all = new Set();
    this.live = new Set();
    this.duplicates = 0;
    this.foreign = 0;
    this.lastBlock = 0n;
    this.reconnected = false;
    this.droppedAt = null;
    this.backfilledOnly = 0;
    this.errors = [];
    this.onProgress = () => {};
  }

  /** A log delivered by a filter or subscription: a repeat is a duplicate. */
  live_(address, txHash, logIndex, blockNumber) {
    if (address.toLowerCase() !== REGISTRY.toLowerCase()) {
      this.foreign += 1;
      return;
    }
    const key = `${txHash}:${logIndex}`;
    if (this.live.has(key)) this.duplicates += 1;
    this.live.add(key);
    this.add(key, blockNumber);
  }

  /** A log fetched with eth_getLogs while catching up (may overlap what came live). */
  backfill(txHash, logIndex, blockNumber) {
    const key = `${txHash}:${logIndex}`;
    if (!this.all.has(key)) this.backfilledOnly += 1;
    this.add(key, blockNumber);
  }

  add(key, blockNumber) {
    this.all.add(key);
    const b = BigInt(blockNumber);
    if (b > this.lastBlock) this.lastBlock = b;
    this.onProgress();
  }

  done() {
    return this.all.size >= EXPECTED;
  }

  report() {
    return {
      watcher: this.name,
      unique: this.all.size,
      duplicates: this.duplicates,
      foreign: this.foreign,
      reconnected: this.reconnected,
      dropped_at: this.droppedAt,
      backfilled_only: this.backfilledOnly,
      errors: this.errors.slice(0, 3),
    };
  }
}

// ---------------------------------------------------------------- viem

function viemHttp() {
  const tally = new Tally('viem-http');
  const client = createPublicClient({ transport: http(RPC_URL), pollingInterval: 100 });
  const unwatch = client.watchContractEvent({
    address: REGISTRY,
    abi,
    eventName: 'EventSubmitted',
    poll: true,
    batch: true,
    onLogs: (logs) => logs.forEach((l) => tally.live_(l.address, l.transactionHash, l.logIndex, l.blockNumber)),
    onError: (e) => tally.errors.push(`${e}`),
  });
  return { tally, ready: Promise.resolve(), stop: async () => unwatch() };
}

function viemWs() {
  const tally = new Tally('viem-ws');
  let generation = 0;
  let current;
  const connect = async () => {
    generation += 1;
    // A new socket (viem caches one per URL): the query string makes another URL.
    const client = createPublicClient({
      transport: webSocket(`${WS_URL}/?connection=${generation}`, { reconnect: false, keepAlive: false }),
    });
    let resolveSubscribed;
    const subscribed = new Promise((r) => (resolveSubscribed = r));
    const unwatch = client.watchContractEvent({
      address: REGISTRY,
      abi,
      eventName: 'EventSubmitted',
      onLogs: (logs) => logs.forEach((l) => tally.live_(l.address, l.transactionHash, l.logIndex, l.blockNumber)),
      onError: (e) => tally.errors.push(`${e}`),
    });
    // watchContractEvent subscribes asynchronously: wait until the socket carries it.
    const rpc = await client.transport.getRpcClient();
    for (let i = 0; i < 200 && rpc.subscriptions.size === 0; i++) await sleep(10);
    resolveSubscribed();
    await subscribed;
    current = { client, unwatch, rpc };
    return current;
  };
  const ready = connect();
  let dropped = false;
  tally.onProgress = () => {
    if (dropped || tally.all.size < EXPECTED / 3) return;
    dropped = true;
    tally.droppedAt = tally.all.size;
    (async () => {
      const old = current;
      // Killed: no close frame, as a dropped connection.
      old.rpc.socket.terminate ? old.rpc.socket.terminate() : old.rpc.socket.close();
      old.unwatch();
      const from = tally.lastBlock;
      const next = await connect();
      const logs = await next.client.getContractEvents({
        address: REGISTRY,
        abi,
        eventName: 'EventSubmitted',
        fromBlock: from,
        toBlock: 'latest',
      });
      logs.forEach((l) => tally.backfill(l.transactionHash, l.logIndex, l.blockNumber));
      tally.reconnected = true;
    })().catch((e) => tally.errors.push(`reconnect: ${e}`));
  };
  return {
    tally,
    ready,
    stop: async () => {
      current?.unwatch();
      current?.rpc.close();
    },
  };
}

// ---------------------------------------------------------------- ethers

function ethersListener(tally) {
  return (...args) => {
    const log = args[args.length - 1].log;
    tally.live_(log.address, log.transactionHash, log.index, log.blockNumber);
  };
}

function ethersHttp() {
  const tally = new Tally('ethers-http');
  const provider = new JsonRpcProvider(RPC_URL, undefined, { staticNetwork: true, pollingInterval: 100 });
  provider.pollingInterval = 100;
  const contract = new Contract(REGISTRY, [EVENT], provider);
  const ready = contract.on('EventSubmitted', ethersListener(tally));
  return {
    tally,
    ready,
    stop: async () => {
      await contract.removeAllListeners();
      provider.destroy();
    },
  };
}

function ethersWs() {
  const tally = new Tally('ethers-ws');
  let current;
  const connect = async () => {
    const provider = new WebSocketProvider(WS_URL);
    // ethers subscribes only once it knows the network (detected after the socket opens);
    // `on` before that fails the subscription ("network is not available yet").
    await provider.getNetwork();
    for (let i = 0; i < 500; i++) {
      try {
        provider._network;
        break;
      } catch {
        await sleep(10);
      }
    }
    const contract = new Contract(REGISTRY, [EVENT], provider);
    await contract.on('EventSubmitted', ethersListener(tally));
    current = { provider, contract };
    return current;
  };
  const ready = connect();
  let dropped = false;
  tally.onProgress = () => {
    if (dropped || tally.all.size < EXPECTED / 3) return;
    dropped = true;
    tally.droppedAt = tally.all.size;
    (async () => {
      const old = current;
      old.provider.websocket.terminate ? old.provider.websocket.terminate() : old.provider.websocket.close();
      await old.contract.removeAllListeners().catch(() => {});
      old.provider.destroy();
      const from = tally.lastBlock;
      const next = await connect();
      const logs = await next.contract.queryFilter('EventSubmitted', Number(from), 'latest');
      logs.forEach((l) => tally.backfill(l.transactionHash, l.index, l.blockNumber));
      tally.reconnected = true;
    })().catch((e) => tally.errors.push(`reconnect: ${e}`));
  };
  return {
    tally,
    ready,
    stop: async () => {
      await current?.contract.removeAllListeners().catch(() => {});
      current?.provider.destroy();
    },
  };
}

// ---------------------------------------------------------------- main

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// Killing a socket fails the requests in flight on it (an unsubscribe, a poll), which the
// libraries may leave unhandled; node would then exit. They are reported, not fatal: what
// counts is that every event arrives.
const unhandled = [];
process.on('unhandledRejection', (e) => unhandled.push(`unhandled rejection: ${e}`));
process.on('uncaughtException', (e) => unhandled.push(`uncaught exception: ${e}`));

const watchers = [viemHttp(), viemWs(), ethersHttp(), ethersWs()];
await Promise.all(watchers.map((w) => w.ready));
// ethers installs its filter / subscription asynchronously after `on` resolves, viem its HTTP
// filter at the first poll: give them time before the burst starts.
await sleep(1000);
console.log('ready');

const deadline = Date.now() + TIMEOUT_MS;
// The WebSocket watchers must have finished their reconnect too.
while (Date.now() < deadline && !watchers.every((w) => w.tally.done() && (w.tally.name.endsWith('http') || w.tally.reconnected))) {
  await sleep(100);
}
// Anything delivered twice would show within a few more polls.
await sleep(500);
for (const w of watchers) console.log(JSON.stringify(w.tally.report()));
for (const u of unhandled.slice(0, 5)) console.error(`watch.mjs: ${u}`);
await Promise.all(watchers.map((w) => w.stop().catch(() => {})));
console.log('done');
process.exit(0);
