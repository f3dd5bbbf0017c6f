/** Storage of the places service's named points; input is validated before it gets here. */
import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import { newId } from '../../ids.js';
import type { Database, PlacesTable } from '../tables.js';

export interface PlaceInput {
  name: string;
  latitude: number;
  longitude: number;
}

export interface Place extends PlaceInput {
  id: string;
  createdAt: number;
  updatedAt: number;
}

// 6 bound values a row: far under SQLite's and Postgres' limits on parameters per statement.
const INSERT_BATCH = 500;

function toPlace(row: PlacesTable): Place {
  return {
    id: row.id,
    name: row.name,
    latitude: Number(row.latitude),
    longitude: Number(row.longitude),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export class PlaceRepository {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;
  constructor(db: Kysely<Database>, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  /** Every place, oldest first. */
  async list(): Promise<Place[]> {
    const rows = await this.#db
      .selectFrom('places')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toPlace);
  }

  /** One place, if it exists. */
  async get(id: string): Promise<Place | undefined> {
    const row = await this.#db.selectFrom('places').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toPlace(row);
  }

  /** Stores a new place and returns it with its id. */
  async create(input: PlaceInput): Promise<Place> {
    const { created } = await this.import([input]);
    return created[0]!;
  }

  /**
   * Stores many places in one transaction, all or none; with `replace`, the existing places are
   * deleted in the same transaction. Returns the new places and how many were removed.
   */
  async import(
    inputs: readonly PlaceInput[],
    options: { replace?: boolean } = {},
  ): Promise<{ created: Place[]; removed: number }> {
    const now = this.#clock.now();
    const created = inputs.map((input) => ({
      id: newId('place', now),
      name: input.name,
      latitude: input.latitude,
      longitude: input.longitude,
      createdAt: now,
      updatedAt: now,
    }));
    const removed = await this.#db.transaction().execute(async (trx) => {
      let removed = 0;
      if (options.replace) {
        const result = await trx.deleteFrom('places').executeTakeFirst();
        removed = Number(result.numDeletedRows);
      }
      for (let i = 0; i < created.length; i += INSERT_BATCH) {
        const batch = created.slice(i, i + INSERT_BATCH).map((p) => ({
          id: p.id,
          name: p.name,
          latitude: p.latitude,
          longitude: p.longitude,
          created_at: p.createdAt,
          updated_at: p.updatedAt,
        }));
        await trx.insertInto('places').values(batch).execute();
      }
      return removed;
    });
    return { created, removed };
  }

  /** Applies the given fields; undefined when there is no such place. */
  async update(id: string, patch: Partial<PlaceInput>): Promise<Place | undefined> {
    const result = await this.#db
      .updateTable('places')
      .set({ ...patch, updated_at: this.#clock.now() })
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return undefined;
    return this.get(id);
  }

  /** Deletes a place; false when it did not exist. */
  async remove(id: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('places').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
