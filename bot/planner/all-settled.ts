/**
 * Promise.all that waits for every promise before it rejects with the first failure. A plan
 * that fails is retried (the event is redelivered); were it to fail while its other forge
 * writes are still retrying, the retry would find their jobs without a check run id and
 * create second check runs beside the ones still landing.
 */
export async function allSettled<T>(promises: Iterable<Promise<T>>): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
  if (failed) throw failed.reason;
  return results.map((result) => (result as PromiseFulfilledResult<T>).value);
}
