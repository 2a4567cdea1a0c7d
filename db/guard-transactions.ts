/**
 * postgres.js transactions that never touch a connection that died under them.
 *
 * postgres.js (3.4.9, the newest; every 3.x writes this way) keeps using a transaction's
 * connection after its socket closed: the transaction's next statement, or the ROLLBACK or
 * COMMIT postgres.js sends itself, is buffered for a `setImmediate` that calls `null.write` —
 * `TypeError: Cannot read properties of null (reading 'write')`, thrown outside any promise, so
 * the process dies (porsager/postgres#1208 and #1154; the proposed fix, #1168, is unreleased).
 * A terminated backend, a failover or a restarting pooler is all it takes.
 *
 * So a transaction here is "lost" once one of its queries failed with a connection error or
 * postgres.js gave the transaction up (it rejects `begin` when the connection closes). From
 * then on its queries fail at once, without reaching the driver, and a body that ends — either
 * way — is left pending instead of handed back to postgres.js to roll back or commit: the server
 * rolled back when the backend went. The caller's promise rejects with the connection error, so
 * a message handler fails and its message is redelivered; the pool reconnects on the next query.
 */
import type postgres from "postgres";

/** A query refused because its transaction's connection is gone; `cause` is how it went. */
class ConnectionLostError extends Error {
  override name = "ConnectionLostError";
  readonly code = "CONNECTION_CLOSED";
  constructor(cause: unknown) {
    super("the transaction's database connection was lost", { cause });
  }
}

// postgres.js's own codes, socket errors, and SQLSTATE 57P01–57P03 (terminated, crash, starting).
const LOST_CODES = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_DESTROYED",
  "CONNECTION_ENDED",
  "CONNECT_TIMEOUT",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "57P01",
  "57P02",
  "57P03",
]);

/** Whether `error` (or a cause of it: drizzle wraps driver errors) says the connection went. */
function isConnectionLost(error: unknown): boolean {
  for (
    let e = error, depth = 0;
    e && typeof e === "object" && depth < 5;
    e = (e as { cause?: unknown }).cause, depth++
  ) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && (LOST_CODES.has(code) || code.startsWith("08"))) return true;
  }
  return false;
}

/** The pool, whose `begin` (and every transaction's `savepoint`) behaves as described above. */
export function guardTransactions(sql: postgres.Sql): postgres.Sql {
  const begin = (...args: unknown[]) => {
    const body = args.pop() as Body;
    const mode = typeof args[0] === "string" ? args[0] : "";
    return lossAware((inScope) => sql.begin(mode, inScope), body, {});
  };
  return new Proxy(sql, {
    get: (target, key, receiver) => (key === "begin" ? begin : Reflect.get(target, key, receiver)),
  });
}

type Body = (sql: postgres.TransactionSql) => unknown;
/** A transaction or a savepoint in one; they share one connection, so a loss is all of theirs. */
interface Scope {
  lost?: unknown;
  outer?: Scope;
}

const lostOf = (scope: Scope | undefined): unknown => (scope ? (scope.lost ?? lostOf(scope.outer)) : undefined);

function markLost(scope: Scope | undefined, error: unknown): void {
  for (let s = scope; s; s = s.outer) s.lost ??= error;
}

/** Runs `body` in the scope `open` makes (a transaction, a savepoint) as described above. */
function lossAware(
  open: (inScope: (sql: postgres.TransactionSql) => Promise<unknown>) => Promise<unknown>,
  body: Body,
  scope: Scope,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const inScope = async (tx: postgres.TransactionSql) => {
      let failure: unknown;
      try {
        const value = await body(guard(tx, scope));
        failure = lostOf(scope);
        if (failure === undefined) return value;
      } catch (error) {
        failure = lostOf(scope);
        if (failure === undefined && !isConnectionLost(error)) throw error;
        failure ??= error;
      }
      markLost(scope, failure);
      reject(failure);
      // Never settles: postgres.js would write ROLLBACK (or COMMIT) to the dead connection.
      return new Promise<never>(() => {});
    };
    open(inScope).then(resolve, (error: unknown) => {
      // After postgres.js gave up, nothing may reach this connection (a body still running, say).
      scope.lost ??= error;
      if (isConnectionLost(error)) markLost(scope, error);
      reject(error);
    });
  });
}

/** The transaction's `sql`: refuses queries once its scope is lost, and notices a loss. */
function guard(tx: postgres.TransactionSql, scope: Scope): postgres.TransactionSql {
  const refuseIfLost = () => {
    const lost = lostOf(scope);
    if (lost !== undefined) throw new ConnectionLostError(lost);
  };
  const unsafe = (...args: Parameters<postgres.TransactionSql["unsafe"]>) => {
    refuseIfLost();
    const query = tx.unsafe(...args);
    // Registered before the caller's handlers, so the scope is lost before the caller hears of it.
    query.catch((error: unknown) => {
      if (isConnectionLost(error)) markLost(scope, error);
    });
    return query;
  };
  const savepoint = (...args: unknown[]) => {
    refuseIfLost();
    const body = args.pop() as Body;
    const name = typeof args[0] === "string" ? args[0] : undefined;
    return lossAware((inScope) => (name ? tx.savepoint(name, inScope) : tx.savepoint(inScope)), body, { outer: scope });
  };
  return new Proxy(tx, {
    apply(target, self, args) {
      refuseIfLost();
      return Reflect.apply(target, self, args);
    },
    get: (target, key, receiver) =>
      key === "unsafe" ? unsafe : key === "savepoint" ? savepoint : Reflect.get(target, key, receiver),
  });
}
