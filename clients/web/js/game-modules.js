// Games' browser modules, found and loaded at run time: the page names no game. `GET /api/games`
// lists each game with `module` (the URL of its browser module, `/games/<name>/index.js`, served
// from the game's own crate, or null when it ships none) and the page imports that URL when a
// welcome names the game; the game's wire schema (`GET /api/games/<name>/schema`) comes with it.
// A module's codec functions are optional: what it leaves out comes from the schema
// (sdk/schema.js's schemaCodec). The shape of a game module: README.md "Game modules", and
// `GameModule` in sdk/index.d.ts.

import { Schema, schemaCodec } from '../sdk/schema.js';

/** The codec functions a game module may bring; any it leaves out come from the schema. */
export const CODEC_FUNCTIONS = Object.freeze(['decodeFacts', 'decodeView', 'encodeInput']);

/** A game this page cannot show: `reason` says why ('unlisted', 'no_module', 'import', 'invalid',
 * 'listing', 'schema'), `message` says it to people. */
export class GameModuleError extends Error {
  constructor(game, reason, message, cause) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'GameModuleError';
    this.game = game;
    this.reason = reason;
  }
}

/** The text of an error, for a sentence (no trailing period). */
const said = (e) => String(e?.message ?? e).replace(/\.$/, '');

/**
 * The games of one server, for the page: the listing asked once, each module imported once and
 * each schema fetched once (a failure is not kept: the next call asks again).
 */
export class GameModules {
  /**
   * @param api the lobby API client (sdk/api.js): listGames(), gameSchema(name)
   * @param opts.importModule (url) → Promise of the module namespace; `import()` by default (tests
   *   pass a fake)
   */
  constructor(api, { importModule = (url) => import(url) } = {}) {
    this.api = api;
    this.importModule = importModule;
    this.listingPromise = null;
    this.modules = new Map(); // name → Promise of the default export
    this.schemas = new Map(); // name → Promise of a Schema
  }

  /** `GET /api/games`, asked once (again after a failure). */
  listing() {
    this.listingPromise ??= this.api.listGames().catch((e) => {
      this.listingPromise = null;
      throw e;
    });
    return this.listingPromise;
  }

  /** The listing's entry of game `name`; throws GameModuleError when the server does not list it
   * (or the listing cannot be had). */
  async info(name) {
    let games;
    try {
      games = await this.listing();
    } catch (e) {
      throw new GameModuleError(name, 'listing', `Cannot ask the server which games it hosts (${said(e)}).`, e);
    }
    const info = Array.isArray(games) ? games.find((g) => g?.name === name) : undefined;
    if (!info) throw new GameModuleError(name, 'unlisted', `This match plays “${name}”, a game the server does not list.`);
    return info;
  }

  /** The game's wire schema as a Schema, fetched once per game. */
  schema(name) {
    return cached(this.schemas, name, async () => {
      try {
        return new Schema(await this.api.gameSchema(name));
      } catch (e) {
        throw new GameModuleError(name, 'schema', `Cannot read the wire schema of “${name}” (${said(e)}).`, e);
      }
    });
  }

  /** The default export of the game's browser module, imported once per game. */
  module(name) {
    return cached(this.modules, name, async () => {
      const info = await this.info(name);
      const title = info.title || name;
      if (typeof info.module !== 'string' || info.module === '') {
        throw new GameModuleError(name, 'no_module', `This match plays “${title}”, a game with no browser module on this server: this page cannot show it.`);
      }
      let namespace;
      try {
        namespace = await this.importModule(info.module);
      } catch (e) {
        throw new GameModuleError(name, 'import', `The browser module of “${title}” did not load (${info.module}: ${said(e)}).`, e);
      }
      const module = namespace?.default;
      const problem = moduleProblem(module);
      if (problem) throw new GameModuleError(name, 'invalid', `The browser module of “${title}” (${info.module}) is not a game module: ${problem}.`);
      return module;
    });
  }

  /**
   * Everything the page needs to show game `name`: `{info, module, schema, codec, title, teams,
   * scoreColumns}`, where `codec` holds decodeFacts, decodeView and encodeInput (the module's own
   * where it has them, else the schema's). Rejects with a GameModuleError.
   */
  async load(name) {
    const info = await this.info(name);
    const [module, schema] = await Promise.all([this.module(name), this.schema(name)]);
    return loadedGame(info, module, schema);
  }
}

/** What `GameModules.load` resolves with, from its three parts. */
export function loadedGame(info, module, schema) {
  const generic = schemaCodec(schema);
  const codec = Object.fromEntries(CODEC_FUNCTIONS.map((fn) => [fn, typeof module[fn] === 'function' ? module[fn] : generic[fn]]));
  return {
    info,
    module,
    schema,
    codec,
    title: module.title || info.title || info.name,
    teams: Array.isArray(module.teams) ? module.teams : null,
    scoreColumns: info.score_columns ?? module.scoreColumns ?? [],
  };
}

/** Why `module` (a default export) is not a game module, or null. */
export function moduleProblem(module) {
  if (module === null || typeof module !== 'object') return 'it has no default export object';
  if (typeof module.createClient !== 'function') return 'its default export has no createClient(ctx)';
  for (const fn of CODEC_FUNCTIONS) {
    if (module[fn] !== undefined && typeof module[fn] !== 'function') return `its ${fn} is not a function`;
  }
  return null;
}

/** `map`'s promise for `key`, made by `make()` once; a rejected one is dropped so the next call retries. */
function cached(map, key, make) {
  let promise = map.get(key);
  if (!promise) {
    promise = make();
    map.set(key, promise);
    promise.catch(() => {
      if (map.get(key) === promise) map.delete(key);
    });
  }
  return promise;
}
