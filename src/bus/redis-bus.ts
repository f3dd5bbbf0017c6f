/**
 * The change bus across instances: Redis pub/sub on one channel. Each process subscribes on a
 * connection of its own (a subscribed connection can do nothing else) and skips the messages it
 * published itself, which its listeners already had. ioredis resubscribes after a reconnect;
 * changes published while Redis was away are covered by the caches' TTLs.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { type Change, type ChangeBus, type ChangeListener, LocalBus, parseChange } from './bus.js';

export interface RedisBusOptions {
  /** The command connection (publishes). */
  client: Redis;
  /** A connection for subscribing only (with an offline queue); the bus owns and closes it. */
  subscriber: Redis;
  channel?: string;
}

export class RedisBus implements ChangeBus {
  readonly #local = new LocalBus();
  readonly #client: Redis;
  readonly #subscriber: Redis;
  readonly #channel: string;
  readonly #origin = randomUUID();

  constructor(options: RedisBusOptions) {
    this.#client = options.client;
    this.#subscriber = options.subscriber;
    this.#channel = options.channel ?? 'keyward:changes';
    this.#subscriber.on('message', (channel: string, text: string) => {
      if (channel !== this.#channel) return;
      let message: { origin?: unknown; change?: unknown };
      try {
        message = JSON.parse(text) as typeof message;
      } catch {
        return;
      }
      if (message.origin === this.#origin) return;
      const change = parseChange(message.change);
      if (change) this.#local.deliver(change);
    });
  }

  /**
   * Subscribes. The subscriber connection queues the command until Redis answers (it may be
   * down at start) and resubscribes by itself after every reconnect.
   */
  start(): void {
    this.#subscriber.subscribe(this.#channel).catch(() => {
      // Only when the bus closes first.
    });
  }

  publish(change: Change): void {
    this.#local.deliver(change);
    this.#client.publish(this.#channel, JSON.stringify({ origin: this.#origin, change })).catch(() => {
      // Redis is away: other instances drop the entry when its TTL ends.
    });
  }

  subscribe(listener: ChangeListener): () => void {
    return this.#local.subscribe(listener);
  }

  async close(): Promise<void> {
    await this.#local.close();
    try {
      await this.#subscriber.quit();
    } catch {
      this.#subscriber.disconnect();
    }
  }
}
